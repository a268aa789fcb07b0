"""Receive what Paygate sends back: URLNotify, URLSuccess and URLFailure.

Framework-neutral: ``read_callback`` takes the request's method, query string,
body and content type, and returns the verified, typed result. ``notify_app``
wraps it as a small WSGI app for URLNotify.

Example (any WSGI server, e.g. ``wsgiref`` or gunicorn)::

    from paygate.client import Client, Config
    from paygate.callbacks import notify_app

    client = Client(Config.from_env())

    def on_result(result):
        # Success is decided by Code alone, never by which URL was called.
        if result.ok:
            mark_paid(result.TransID, result.PayID)
        else:
            mark_failed(result.TransID, result.code_info.text())

    application = notify_app(client, on_result)

For URLSuccess and URLFailure, call ``read_callback`` in the shop's own
handler and show the page that ``result.ok`` calls for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import parse_qsl

from .errors import PaygateError
from .operations import OPERATIONS
from .results import AnyResult
from .transport import Transport, parse_body

__all__ = ["notify_app", "read_callback"]

log = logging.getLogger("paygate.callbacks")

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


#: The browser-form operation whose results arrive at URLNotify, URLSuccess and URLFailure.
CALLBACK_OPERATION: Final = next(
    (op.id for op in OPERATIONS.values() if op.transport == "browser-form"), None
)


def read_callback(
    client: Transport,
    method: str,
    query_string: str = "",
    body: bytes = b"",
    content_type: str = "",
    operation: str | None = None,
) -> AnyResult:
    """Parse, decrypt and verify one callback; raises a PaygateError when unproven.

    GET carries the result in the query string, POST in a form body (ISO-8859-1
    possible). Keys may come in any case. ``operation`` defaults to the spec's
    browser-form operation.
    """
    operation = operation or CALLBACK_OPERATION
    if operation is None:
        raise ValueError("the spec has no browser-form operation: name the operation")
    fields = dict(parse_qsl(query_string, keep_blank_values=True))
    if method.upper() == "POST":
        fields.update(parse_body(body, content_type))
    return client.parse_result(operation, fields)


def notify_app(
    client: Transport, on_result: Callable[[AnyResult], None]
) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    """A WSGI app for URLNotify: 200 once ``on_result`` ran, 400 for unproven data."""

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        body = environ["wsgi.input"].read(size) if size > 0 else b""
        try:
            result = read_callback(
                client,
                environ.get("REQUEST_METHOD", "GET"),
                environ.get("QUERY_STRING", ""),
                body,
                environ.get("CONTENT_TYPE", ""),
            )
        except PaygateError as exc:
            log.warning("rejected notify: %s", type(exc).__name__)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"rejected\n"]
        on_result(result)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"OK\n"]

    return app
