"""A local Paygate sandbox for Alipay+: a real HTTP server with its state in SQLite.

It speaks the Paygate protocol of the four Alipay+ operations with the
generated package (``paygate``): requests are decrypted, their MAC checked
and their parameters validated by the generated validators; results carry a
MAC and are encrypted as Paygate does.

Endpoints (relative to the sandbox's base URL, GET or POST):

- ``alipayplus.aspx``: the browser form. A valid payment shows a wallet page
  with three buttons (pay, decline, leave pending). The choice is posted to
  URLNotify (retried until the shop answers 2xx, see ``notify``) and
  the browser is sent on with ``303`` to URLSuccess (Status OK or
  AUTHORIZE_REQUEST) or URLFailure (FAILED) with the result in the query
  string: ``MerchantID``/``Len``/``Data`` (+ Plain and Custom pairs) with
  ``Response=encrypt``, else plain ``mid=…&PayID=…&MAC=…``. A refused request
  goes to URLFailure the same way when URLFailure is usable, else it gets an
  error page (HTTP 400) with the Code.
- ``reverse.aspx``, ``credit.aspx``, ``inquire.aspx``: server-to-server. The
  answer is always HTTP 200 with a form-encoded body ``MerchantID=…&Len=…&Data=…``;
  Data holds the result (mid, PayID, XID, TransID, Status, Description, Code,
  UserData/RefNr as sent) and a MAC over the result MAC fields, so clients can
  verify it although the vendor's tables list no MAC there. When the
  MerchantID is missing or unknown nothing can be encrypted, and the body is
  plain: ``Status=FAILED&Code=…&Description=…``.
- ``_sandbox/wallet/<PayID>``: the wallet page (GET) and its buttons (POST).
- ``_sandbox/faults``: fault injection (GET lists, POST replaces, DELETE clears), JSON
  ``{"faults": [{"kind": "drop", "endpoint": "credit.aspx", "times": 1}]}`` with
  kinds ``status`` (answer ``status``, default 503, instead of acting), ``delay``
  (sleep ``delay_ms`` after acting, before answering) and ``drop`` (act, commit, then
  close the connection without an answer); ``endpoint`` is one of the endpoints
  above, ``wallet``, or ``*``; ``times`` counts the requests hit (default 1).
- ``_sandbox/health``: ``ok``.

The server is werkzeug's, threaded (a thread per connection), with HTTP/1.1
keep-alive: a client's pooled connection serves call after call (see
``_Handler``). A request's body is capped at ``max_body`` bytes (1 MiB by
default; Paygate's calls are a few kB): a larger one, announced by its
Content-Length or sent chunked, is answered ``413`` with a plain-text line
naming the cap, without being read into memory, and the connection ends.

Codes of refused requests are listed in ``protocol``; the business
rules (reversal cutoff, credit total, ReqId) in ``operations``; what the
SQLite file promises in ``store``.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import string
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import IO, Any, Final, NoReturn, cast
from urllib.parse import urlencode
from wsgiref.types import StartResponse, WSGIEnvironment

from paygate import OPERATIONS, VALIDATORS, Issue, decode_code
from paygate._iso import MINOR_UNITS
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import LimitedStream

from .notify import CONTENT_TYPE, Notifier, NotifyPolicy
from .operations import ACTIONS, Clock, Operations
from .protocol import (
    MISSING,
    NOT_ALLOWED_VALUE,
    Merchant,
    Refusal,
    check_request_mac,
    code_for,
    decrypt_request,
    echo_fields,
    encode_result,
    form_body,
    is_loopback_host,
    refusal_for,
    url_problem,
)
from .store import Store

__all__ = [
    "ENDPOINTS",
    "FAULT_KINDS",
    "MAX_BODY",
    "Fault",
    "Faults",
    "Merchant",
    "NotifyPolicy",
    "RunningSandbox",
    "Sandbox",
    "SandboxError",
    "check_loopback",
    "make_app",
    "serve",
    "start_background",
]

#: The Paygate endpoints, by operation.
ENDPOINTS: Final = {op.endpoint: op.id for op in OPERATIONS.values()}
FAULT_KINDS: Final = ("drop", "delay", "status")
_FAULT_ENDPOINTS: Final = (*sorted(ENDPOINTS), "wallet", "*")
_TEMPLATES: Final = Path(__file__).resolve().parents[2] / "templates" / "sandbox"
#: The default cap of a request's body: Paygate's requests are a few kB.
MAX_BODY: Final = 1024 * 1024
# A leftover body up to this size is read and dropped to keep the connection.
_DRAIN_MAX: Final = 64 * 1024
# How long a connection that ends is drained, so the client reads the answer.
_LINGER_S: Final = 10.0
_CHUNK: Final = 64 * 1024
# Seconds an idle keep-alive connection stays open.
_IDLE_S: Final = 60.0
_URL_KEYS: Final = ("URLSuccess", "URLFailure", "URLNotify")
_ECHO: Final = ("RefNr", "UserData")


class SandboxError(ValueError):
    """A sandbox that cannot be set up as asked (address, templates, database)."""


# --------------------------------------------------------------------------- faults


class _FaultProblems(ValueError):
    """Every problem of a Fault's settings, each ``key: value not allowed; allowed: ...``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" / ".join(problems))
        self.problems = problems


@dataclass
class Fault:
    """One injected fault; ``times`` counts down with every request it hits."""

    kind: str
    endpoint: str = "*"
    times: int = 1
    status: int = 503
    delay_ms: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in FAULT_KINDS:
            problems.append(f"kind: {self.kind!r} not allowed; allowed: {', '.join(FAULT_KINDS)}")
        if self.endpoint not in _FAULT_ENDPOINTS:
            problems.append(
                f"endpoint: {self.endpoint!r} not allowed; allowed: {', '.join(_FAULT_ENDPOINTS)}"
            )
        if not _is_int(self.times) or self.times < 1:
            problems.append(f"times: {self.times!r} not allowed; allowed: an integer of 1 or more")
        if not _is_int(self.status) or not 500 <= self.status <= 599:
            problems.append(f"status: {self.status!r} not allowed; allowed: 500 to 599")
        if not _is_int(self.delay_ms) or not 0 <= self.delay_ms <= 60_000:
            problems.append(f"delay_ms: {self.delay_ms!r} not allowed; allowed: 0 to 60000")
        if problems:
            raise _FaultProblems(problems)

    @classmethod
    def from_json(cls, value: object, where: str) -> Fault:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: not an object; allowed: {{'kind': ..., ...}}")
        known = {"kind", "endpoint", "times", "status", "delay_ms"}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r}; allowed: {sorted(known)}")
        if "kind" not in value:
            raise ValueError(f"{where}.kind: missing; allowed: {', '.join(FAULT_KINDS)}")
        try:
            return cls(**value)
        except _FaultProblems as exc:
            raise ValueError(" / ".join(f"{where}.{p}" for p in exc.problems)) from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Faults:
    """The faults of one app; thread-safe."""

    def __init__(self, faults: Iterable[Fault] = ()) -> None:
        self._lock = threading.Lock()
        self._faults = list(faults)

    def replace(self, faults: Iterable[Fault]) -> None:
        with self._lock:
            self._faults = list(faults)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        self.replace(())

    def listed(self) -> list[dict[str, object]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, endpoint: str, kind: str) -> Fault | None:
        """The first fault of ``kind`` for ``endpoint`` with requests left, counted down."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault.endpoint in (endpoint, "*"):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None


# --------------------------------------------------------------------------- pages


class _Pages:
    """The HTML pages; every value is escaped before it is placed."""

    def __init__(self, folder: Path) -> None:
        try:
            self._wallet = string.Template((folder / "wallet.html").read_text("utf-8"))
            self._error = string.Template((folder / "error.html").read_text("utf-8"))
        except OSError as exc:
            raise SandboxError(
                f"{folder}: sandbox page templates not readable ({exc.strerror})"
            ) from None

    def wallet(self, values: Mapping[str, str]) -> str:
        return self._wallet.substitute({k: escape(v) for k, v in values.items()})

    def error(self, title: str, code: str, description: str, hint: str) -> str:
        values = {
            "title": title,
            "code": code,
            "meaning": decode_code(code).text("en"),
            "description": description,
            "hint": hint,
        }
        return self._error.substitute({k: escape(v) for k, v in values.items()})


def _amount_text(amount: int, currency: str) -> str:
    exponent = MINOR_UNITS.get(currency) or 0
    return f"{Decimal(amount).scaleb(-exponent):.{exponent}f}"


# --------------------------------------------------------------------------- the app


class Sandbox:
    """The sandbox as a WSGI app. Call ``close`` when done (stops the notify thread)."""

    def __init__(
        self,
        merchants: Sequence[Merchant],
        db: str | Path,
        *,
        clock: Clock | None = None,
        faults: Iterable[Fault] = (),
        notify: NotifyPolicy | None = None,
        templates: Path = _TEMPLATES,
        max_body: int = MAX_BODY,
    ) -> None:
        if not merchants:
            raise SandboxError("the sandbox needs at least one merchant")
        if not _is_int(max_body) or max_body < 1:
            raise SandboxError(f"max_body: {max_body!r} not allowed; allowed: 1 byte or more")
        self.max_body = max_body
        self.merchants = {m.merchant_id: m for m in merchants}
        self.pages = _Pages(templates)
        try:
            self.store = Store(db)
        except Exception as exc:  # sqlite3.Error, OSError, a newer schema
            raise SandboxError(f"{db}: cannot open the sandbox database: {exc}") from None
        self.ops = Operations(self.store, self.merchants, clock or (lambda: datetime.now(UTC)))
        self.faults = Faults(faults)
        self.notifier = Notifier(self.store, notify or NotifyPolicy())
        self.notifier.start()
        rules = [Rule(f"/{endpoint}", endpoint=endpoint) for endpoint in ENDPOINTS]
        rules += [
            Rule("/_sandbox/wallet/<pay_id>", endpoint="wallet", methods=["GET", "POST"]),
            Rule("/_sandbox/faults", endpoint="faults", methods=["GET", "POST", "DELETE"]),
            Rule("/_sandbox/health", endpoint="health", methods=["GET"]),
        ]
        self.url_map = Map(rules)

    def close(self) -> None:
        self.notifier.stop()
        self.store.close()

    def __repr__(self) -> str:
        return f"Sandbox(merchants={sorted(self.merchants)!r}, db={self.store.path!r})"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
            # A chunked body: read it here, up to the cap, so that the rest sees a length
            # (werkzeug would cut a longer one off at its max_content_length unnoticed).
            body = _read_at_most(environ["wsgi.input"], self.max_body + 1)
            if len(body) > self.max_body:
                return self._too_large(f"more than {self.max_body} bytes")(environ, start_response)
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
            del environ["wsgi.input_terminated"]
        request = Request(environ)
        if request.content_length is not None and request.content_length > self.max_body:
            return self._too_large(f"{request.content_length} bytes")(environ, start_response)
        # Werkzeug's own caps (500 kB for a form by default) answer to the sandbox's.
        request.max_content_length = request.max_form_memory_size = self.max_body
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            return exc(environ, start_response)
        fault_endpoint = endpoint if endpoint in ENDPOINTS or endpoint == "wallet" else None
        if fault_endpoint is not None:
            failing = self.faults.take(fault_endpoint, "status")
            if failing is not None:
                response = Response(
                    f"sandbox fault: HTTP {failing.status}\n",
                    failing.status,
                    content_type="text/plain; charset=utf-8",
                )
                return response(environ, start_response)
        try:
            response = self._dispatch(request, endpoint, args)
        except RequestEntityTooLarge:  # werkzeug's multipart limits
            response = self._too_large(f"more than {request.max_form_parts} form parts")
        if fault_endpoint is not None:
            delay = self.faults.take(fault_endpoint, "delay")
            if delay is not None:
                time.sleep(delay.delay_ms / 1000)
            if self.faults.take(fault_endpoint, "drop") is not None:
                _drop_connection(environ)
        return response(environ, start_response)

    def _too_large(self, size: str) -> Response:
        """413; the body is left unread (the server drops it)."""
        return Response(
            f"request body too large: {size}; this sandbox takes at most {self.max_body} "
            "bytes (max_body)\n",
            413,
            content_type="text/plain; charset=utf-8",
        )

    def _dispatch(self, request: Request, endpoint: str, args: Mapping[str, Any]) -> Response:
        if endpoint == "alipayplus.aspx":
            return self._payment(request)
        if endpoint in ENDPOINTS:
            return self._server_to_server(request, ENDPOINTS[endpoint])
        if endpoint == "wallet":
            return self._wallet(request, str(args["pay_id"]))
        if endpoint == "faults":
            return self._faults(request)
        return Response("ok\n", content_type="text/plain; charset=utf-8")

    # -- alipayplus.aspx --------------------------------------------------------------

    def _payment(self, request: Request) -> Response:
        form = request.values.to_dict()
        merchant_id = form.get("MerchantID")
        if not merchant_id:
            return self._error_page(
                Refusal(code_for(MISSING, "MerchantID"), "MerchantID: missing (send it plain)")
            )
        merchant = self.merchants.get(merchant_id)
        if merchant is None:
            return self._error_page(
                Refusal(
                    code_for(NOT_ALLOWED_VALUE, "MerchantID"),
                    "MerchantID: not a merchant of this sandbox",
                )
            )
        try:
            params = decrypt_request(merchant, form)
        except Refusal as refusal:
            # Data unreadable or ambiguous: no URLFailure in it can be trusted.
            return self._error_page(refusal)
        try:
            self._check(merchant, "alipayplus.payment", params)
            payment = self.ops.start_payment(merchant, params)
        except Refusal as refusal:
            return self._payment_refused(merchant, params, refusal)
        if payment.status == "AUTHORIZE_REQUEST":
            return self._wallet_page(payment.pay_id)
        # A repeated ReqId of a payment with a final status: its result again.
        return self._redirect(payment.pay_id)

    def _check(self, merchant: Merchant, operation: str, params: Mapping[str, str]) -> None:
        """MAC, the generated validator, then the sandbox's own rules; Refusal on the first."""
        op = OPERATIONS[operation]
        check_request_mac(merchant, op, params)
        issues: list[Issue] = VALIDATORS[op.request](params)
        if issues:
            raise refusal_for(issues)
        if operation == "alipayplus.payment":
            for key in _URL_KEYS:
                problem = url_problem(params[key])
                if problem is not None:
                    raise Refusal(code_for(NOT_ALLOWED_VALUE, key), f"{key}: {problem}", {key})
            if int(params["Amount"]) <= 0:
                raise Refusal(code_for(NOT_ALLOWED_VALUE, "Amount"), "Amount: must be above 0")

    def _payment_refused(
        self, merchant: Merchant, params: Mapping[str, str], refusal: Refusal
    ) -> Response:
        failure = params.get("URLFailure")
        if failure is None or "URLFailure" in refusal.bad or url_problem(failure) is not None:
            return self._error_page(refusal)
        result = self.ops.refused(
            merchant,
            "alipayplus.payment",
            params,
            refusal,
            echo=echo_fields(params, _ECHO, refusal.bad),
        )
        encrypt = params.get("Response") == "encrypt"
        return _see_other(failure, encode_result(merchant, result, encrypt=encrypt))

    def _error_page(self, refusal: Refusal) -> Response:
        html = self.pages.error(
            "payment refused",
            refusal.code,
            refusal.description,
            "There is no usable URLFailure to send the result to, so it is shown here.",
        )
        return Response(html, 400, content_type="text/html; charset=utf-8")

    # -- the wallet -------------------------------------------------------------------

    def _wallet_page(self, pay_id: str) -> Response:
        payment = self.ops.payment(pay_id)
        assert payment is not None
        html = self.pages.wallet(
            {
                "merchant_id": payment.merchant_id,
                "order_desc": payment.request.get("OrderDesc", ""),
                "trans_id": payment.trans_id,
                "pay_id": payment.pay_id,
                "amount": _amount_text(payment.amount, payment.currency),
                "currency": payment.currency,
                "action": f"/_sandbox/wallet/{payment.pay_id}",
            }
        )
        return Response(html, 200, content_type="text/html; charset=utf-8")

    def _wallet(self, request: Request, pay_id: str) -> Response:
        if request.method == "GET":
            payment = self.ops.payment(pay_id)
            if payment is None:
                return self._not_found(pay_id)
            if payment.status == "AUTHORIZE_REQUEST":
                return self._wallet_page(pay_id)
            return self._redirect(pay_id)
        action = request.form.get("action", "")
        if action not in ACTIONS:
            html = self.pages.error(
                "unknown wallet action",
                code_for(NOT_ALLOWED_VALUE),
                f"action: {action!r} not allowed",
                f"Allowed: {', '.join(ACTIONS)}.",
            )
            return Response(html, 400, content_type="text/html; charset=utf-8")
        decided = self.ops.decide(pay_id, action)
        if decided is None:
            return self._not_found(pay_id)
        payment, delivery = decided
        if delivery is not None:
            # The shop hears first; a failed attempt is retried in the background.
            self.notifier.deliver(delivery)
        return self._redirect(payment.pay_id)

    def _redirect(self, pay_id: str) -> Response:
        payment = self.ops.payment(pay_id)
        assert payment is not None
        key = "URLFailure" if payment.status == "FAILED" else "URLSuccess"
        return _see_other(payment.request[key], self.ops.payment_result(payment))

    def _not_found(self, pay_id: str) -> Response:
        html = self.pages.error(
            "no such payment",
            code_for(NOT_ALLOWED_VALUE, "PayID"),
            "PayID: no such payment",
            "Start a payment at alipayplus.aspx.",
        )
        return Response(html, 404, content_type="text/html; charset=utf-8")

    # -- reverse.aspx, credit.aspx, inquire.aspx --------------------------------------

    def _server_to_server(self, request: Request, operation: str) -> Response:
        form = request.values.to_dict()
        merchant_id = form.get("MerchantID", "")
        merchant = self.merchants.get(merchant_id)
        if merchant is None:
            refusal = Refusal(
                code_for(MISSING if not merchant_id else NOT_ALLOWED_VALUE, "MerchantID"),
                "MerchantID: missing" if not merchant_id else "MerchantID: not a merchant here",
            )
            plain = {"Status": "FAILED", "Code": refusal.code, "Description": refusal.description}
            return _form_response(plain)
        params: dict[str, str] = {}
        try:
            params = decrypt_request(merchant, form)
            self._check(merchant, operation, params)
        except Refusal as refusal:
            result = self.ops.refused(
                merchant, operation, params, refusal, echo=echo_fields(params, _ECHO, refusal.bad)
            )
        else:
            act: Callable[[Merchant, Mapping[str, str]], dict[str, str]] = {
                "alipayplus.reverse": self.ops.reverse,
                "alipayplus.credit": self.ops.credit,
                "alipayplus.inquire": self.ops.inquire,
            }[operation]
            result = act(merchant, params)
        return _form_response(encode_result(merchant, result, encrypt=True))

    # -- _sandbox/faults --------------------------------------------------------------

    def _faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                body = json.loads(request.get_data(as_text=True) or "null")
                if not isinstance(body, dict) or not isinstance(body.get("faults"), list):
                    raise ValueError('body: allowed: {"faults": [{"kind": ..., ...}, ...]}')
                faults = [Fault.from_json(f, f"faults[{i}]") for i, f in enumerate(body["faults"])]
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                return _json_response({"error": str(exc)}, 400)
            self.faults.replace(faults)
        return _json_response({"faults": self.faults.listed()}, 200)


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes of a stream (reads may return less than asked)."""
    chunks: list[bytes] = []
    got = 0
    while got < size:
        chunk = stream.read(min(64 * 1024, size - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _see_other(url: str, fields: Mapping[str, str]) -> Response:
    """303 to ``url`` with the result in the query string."""
    response = Response(status=303)
    response.headers["Location"] = f"{url}?{urlencode(list(fields.items()))}"
    return response


def _form_response(fields: Mapping[str, str]) -> Response:
    return Response(form_body(fields), 200, content_type=CONTENT_TYPE)


def _json_response(value: object, status: int) -> Response:
    return Response(json.dumps(value), status, content_type="application/json")


def _drop_connection(environ: WSGIEnvironment) -> NoReturn:
    """Close the client's connection without an answer (the work is already committed).

    Werkzeug's server puts the socket in ``werkzeug.socket``; shutting it down
    makes the client see the connection end with no response. The exception
    then tells the server the connection is gone (it treats ConnectionError as
    a dropped connection and writes nothing). Under another server without
    ``werkzeug.socket`` the client gets that server's error answer instead.
    """
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("sandbox fault: connection dropped after the commit")


# --------------------------------------------------------------------------- servers


def make_app(
    merchants: Merchant | Sequence[Merchant],
    db: str | Path,
    *,
    clock: Clock | None = None,
    faults: Iterable[Fault] = (),
    notify: NotifyPolicy | None = None,
    max_body: int = MAX_BODY,
) -> Sandbox:
    """The sandbox as a WSGI app over the SQLite file ``db`` (created when missing).

    ``clock`` returns the current time (aware; naive values count as UTC): the
    reversal cutoff and the credit period are judged by it. ``max_body`` caps
    a request's body in bytes; a larger one is answered 413 without being read.
    """
    listed = [merchants] if isinstance(merchants, Merchant) else list(merchants)
    return Sandbox(listed, db, clock=clock, faults=faults, notify=notify, max_body=max_body)


def check_loopback(host: str) -> None:
    """Refuse any address but loopback: the sandbox is for this machine only."""
    if not is_loopback_host(host):
        raise SandboxError(
            f"host {host!r}: the sandbox binds to loopback addresses only; "
            "allowed: 127.0.0.0/8, ::1 or localhost"
        )


_Answer = tuple[str, list[tuple[str, str]], bytes]
_TEXT: Final = [("Content-Type", "text/plain; charset=utf-8")]


class _Handler(WSGIRequestHandler):
    """Werkzeug's request handler with HTTP/1.1 keep-alive.

    Werkzeug's own handler closes every connection after one answer, so a
    client's pool never reuses one: each call paid a TCP handshake and a new
    server thread. This one serves one connection for as long as the client
    keeps it. The request body is read through a stream limited to its
    Content-Length; whatever the app left unread is read and dropped before
    the next request line (so it cannot be taken for one). A body too large
    to drop quickly (above ``_DRAIN_MAX``, such as one refused with 413), a
    chunked body, or a client that asks for it ends the connection after the
    answer: the rest of the body is then read and dropped for a bounded time
    (``_LINGER_S``) so that the client sees the answer, not a reset connection.

    The sandbox's answers are small pages and forms: each is built whole and
    sent with its Content-Length.
    """

    protocol_version = "HTTP/1.1"
    #: Seconds a connection may sit idle (or a request stall) before it is closed.
    timeout = _IDLE_S
    # A buffered wfile: the status line, the headers and the body go out in one
    # send when the request is done (http.server flushes after each request).
    wbufsize = _CHUNK

    def setup(self) -> None:
        super().setup()
        # Nagle's algorithm would hold a second write (a long body) for the client's
        # delayed ACK of the first (40 ms) on a kept connection.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server = self.server
        if isinstance(server, _Server):
            server.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            server = self.server
            if isinstance(server, _Server):
                server.closed(self.connection)

    def run_wsgi(self) -> None:
        environ = self.make_environ()
        body: LimitedStream | None = None
        if environ.get("wsgi.input_terminated"):
            self.close_connection = True  # chunked: no length to find the next request by
        else:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                self._answer("400 Bad Request", _TEXT, b"Content-Length: not a number\n")
                return
            body = LimitedStream(cast("IO[bytes]", self.rfile), length)
            environ["wsgi.input"] = body
        app = self.server.app
        refused = isinstance(app, Sandbox) and body is not None and body.limit > app.max_body
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue" and not refused:
            # A body the app refuses unread is not asked for (the answer comes at once).
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        answer = self._call_app(environ)
        if answer is None:  # the connection was dropped (a fault, or the client left)
            self.close_connection = True
            return
        unread = _drop(body, _DRAIN_MAX) if body is not None else 0
        if unread:
            self.close_connection = True
        self._answer(*answer)
        if unread or body is None:
            self._linger(body)

    def _linger(self, body: LimitedStream | None) -> None:
        """End the answer, then read and drop what the client still sends, for a while.

        Closing a socket with unread data resets the connection, and the client
        would see that instead of the answer (413, say) while it is still sending.
        """
        deadline = time.monotonic() + _LINGER_S
        with contextlib.suppress(OSError, ClientDisconnected):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            while time.monotonic() < deadline:
                if body is not None:
                    if body.is_exhausted or not body.read(_CHUNK):
                        return
                elif not self.rfile.read1(_CHUNK):
                    return

    def _call_app(self, environ: WSGIEnvironment) -> _Answer | None:
        """The app's status, headers and body; None when the connection is gone."""
        started: list[tuple[str, list[tuple[str, str]]]] = []
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            started[:] = [(status, headers)]  # nothing is sent yet, so a later call wins
            return chunks.append

        try:
            app_iter = self.server.app(environ, start_response)
            try:
                chunks.extend(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()
            if not started:
                raise RuntimeError("the app did not start a response")
        except ConnectionError:
            return None
        except Exception:
            self.log_error("Error on request %r:\n%s", self.requestline, traceback.format_exc())
            self.close_connection = True
            return "500 Internal Server Error", _TEXT, b"sandbox: internal error (see its log)\n"
        status, headers = started[0]
        return status, headers, b"".join(chunks)

    def _answer(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        names = set()
        for name, value in headers:
            if name.lower() in ("connection", "keep-alive", "transfer-encoding"):
                continue  # hop-by-hop: the server's to set
            names.add(name.lower())
            self.send_header(name, value)
        if "content-length" not in names and self.command != "HEAD":
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            return  # an idle keep-alive connection closing, not an error
        super().log_error(format, *args)


class _QuietHandler(_Handler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _drop(body: LimitedStream, most: int) -> int:
    """Read and drop up to ``most`` bytes of what is left of a body; the bytes still unread.

    A client that went away counts as done.
    """
    try:
        while not body.is_exhausted and most > 0:
            got = len(body.read(min(_CHUNK, most)))
            if not got:
                break
            most -= got
    except (OSError, ClientDisconnected):
        return 0
    return body.limit - body.tell()


class _Server(ThreadedWSGIServer):
    """Werkzeug's threaded server (a thread per connection) that can end every connection.

    With keep-alive a connection outlives a request; when the server stops, the
    connections still open are shut down, so no client keeps talking to a
    stopped sandbox.
    """

    def __init__(self, host: str, port: int, app: Sandbox, handler: type[_Handler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(host, port, app, handler)

    def opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def server_close(self) -> None:
        super().server_close()
        with self._connections_lock:
            open_now = list(self._connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _server(app: Sandbox, host: str, port: int, quiet: bool) -> BaseWSGIServer:
    check_loopback(host)
    handler = _QuietHandler if quiet else _Handler
    try:
        return _Server(host, port, app, handler)
    except SystemExit:
        # Werkzeug has printed why (address in use, ...) and asks to exit.
        raise SandboxError(f"cannot listen on {host} port {port}") from None


def _base_url(server: BaseWSGIServer) -> str:
    host = server.host
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{server.port}/"


class RunningSandbox:
    """A sandbox served from a background thread; ``url`` is its base URL."""

    def __init__(self, app: Sandbox, server: BaseWSGIServer) -> None:
        self.app = app
        self.server = server
        self.url = _base_url(server)
        self._stopped = False
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close the socket and the notify thread (again: nothing happens)."""
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)
        self.app.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningSandbox({self.url!r})"


def start_background(
    app: Sandbox, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True
) -> RunningSandbox:
    """Serve ``app`` from a thread; port 0 picks a free port (see ``.url``)."""
    return RunningSandbox(app, _server(app, host, port, quiet))


def serve(
    app: Sandbox,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    quiet: bool = False,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``app`` until interrupted (Ctrl-C); ``ready`` gets the base URL once bound."""
    try:
        server = _server(app, host, port, quiet)
    except BaseException:
        app.close()
        raise
    if ready is not None:
        ready(_base_url(server))
    try:
        server.serve_forever()
    finally:
        app.close()
