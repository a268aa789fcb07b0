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

What is trusted is what ``Transport.parse_result`` proves: Data decrypted
with the merchant's key, or a plain result with a matching MAC. Keys sent
unencrypted beside Data are in ``result.extra`` only. A callback larger than
``Config.max_callback_bytes`` (64 KiB by default; query string and body
together) raises ``TooLargeError`` before anything is parsed; ``notify_app``
answers it with HTTP 413 without reading the body, and anything unproven
with 400.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import parse_qsl

from .errors import PaygateError, TooLargeError
from .operations import OPERATIONS
from .results import AnyResult
from .transport import Transport, parse_body_pairs

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
    browser-form operation. Raises TooLargeError when the query string and body
    together are larger than ``Config.max_callback_bytes``.
    """
    operation = operation or CALLBACK_OPERATION
    if operation is None:
        raise ValueError("the spec has no browser-form operation: name the operation")
    size = len(query_string) + len(body)
    limit = client.config.max_callback_bytes
    if size > limit:
        raise TooLargeError(f"callback of {size} bytes; max_callback_bytes is {limit}")
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if method.upper() == "POST":
        pairs += parse_body_pairs(body, content_type)
    return client.parse_result(operation, pairs)


def _read_at_most(stream: Any, n: int) -> bytes:
    """Read until the end or ``n`` bytes, whichever comes first (a read may return less)."""
    chunks: list[bytes] = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def notify_app(
    client: Transport, on_result: Callable[[AnyResult], None]
) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    """A WSGI app for URLNotify: 200 once ``on_result`` ran, 400 for unproven data.

    A body larger than ``Config.max_callback_bytes`` gets 413 and is not read.
    """
    limit = client.config.max_callback_bytes

    def too_large(start_response: StartResponse, what: str) -> Iterable[bytes]:
        log.warning("rejected notify: %s; max_callback_bytes is %d", what, limit)
        start_response(
            "413 Content Too Large", [("Content-Type", "text/plain"), ("Connection", "close")]
        )
        return [b"too large\n"]

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        stream = environ["wsgi.input"]
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > limit:
            return too_large(start_response, f"a body of {size} bytes")
        if size > 0:
            body = stream.read(size)
        elif environ.get("wsgi.input_terminated"):
            # No Content-Length (chunked): one byte past the cap shows that it is over.
            body = _read_at_most(stream, limit + 1)
        else:
            body = b""
        try:
            result = read_callback(
                client,
                environ.get("REQUEST_METHOD", "GET"),
                environ.get("QUERY_STRING", ""),
                body,
                environ.get("CONTENT_TYPE", ""),
            )
        except TooLargeError:
            return too_large(start_response, "query string and body are too large together")
        except PaygateError as exc:
            log.warning("rejected notify: %s", type(exc).__name__)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"rejected\n"]
        on_result(result)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"OK\n"]

    return app
