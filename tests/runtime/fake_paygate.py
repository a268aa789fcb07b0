"""A scripted Paygate on 127.0.0.1 for the runtime's tests, over real HTTP (or HTTPS).

Each request gets the next scripted answer (the last one repeats). Answers are
raw bodies, so a test can send what the real Paygate never would: plain
successes, keys beside Data, Data twice. The encoding uses the runtime's own
cipher and MAC, whose known-answer vectors are tested in test_crypto.py.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from paygate import Secret
from paygate.client import Client, Config
from paygate.crypto import compute_mac, make_cipher
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

MERCHANT_ID = "FakeShop"
HMAC_KEY = "fake-hmac-key-7d21a9"
CIPHER_KEY = "fake-blowfish-key-3c8e"
PAY_ID = "a" * 32
FORM = "application/x-www-form-urlencoded"


def result(**over: str) -> dict[str, str]:
    """A server-to-server result's parameters (success unless told otherwise)."""
    fields = {
        "mid": MERCHANT_ID,
        "PayID": PAY_ID,
        "XID": "b" * 32,
        "TransID": "TID-1",
        "Status": "OK",
        "Description": "success",
        "Code": "00000000",
    }
    fields.update(over)
    return {k: v for k, v in fields.items() if v != ""}


def with_mac(fields: Mapping[str, str]) -> dict[str, str]:
    """The fields with the result MAC over PayID*TransID*mid*Status*Code."""
    names = ("PayID", "TransID", "mid", "Status", "Code")
    mac = compute_mac(Secret(HMAC_KEY), [fields.get(n) for n in names])
    return {**fields, "MAC": mac}


def pairs_body(pairs: Iterable[tuple[str, str]]) -> str:
    """A form body from pairs in order; repeated keys stay repeated."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def encrypted(fields: Mapping[str, str], *beside: tuple[str, str], key: str = CIPHER_KEY) -> str:
    """MerchantID/Len/Data for ``fields`` (encrypted with ``key``), then ``beside`` in plain."""
    text = "&".join(f"{k}={v}" for k, v in fields.items())
    data, length = make_cipher("blowfish", Secret(key)).encrypt(text)
    return pairs_body([("MerchantID", MERCHANT_ID), ("Len", str(length)), ("Data", data), *beside])


Answer = tuple[int, Mapping[str, str], str]


def answer(body: str, status: int = 200, **headers: str) -> Answer:
    return status, {"Content-Type": FORM, **headers}, body


@dataclass
class Seen:
    at: float
    path: str
    form: dict[str, str]


@dataclass
class FakePaygate:
    """Answers every POST with the next scripted answer; records what arrived and when."""

    answers: list[Answer | Callable[[dict[str, str]], Answer]]
    ssl_context: ssl.SSLContext | None = None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1",
            0,
            self,
            threaded=True,
            request_handler=_Quiet,
            ssl_context=self.ssl_context,
        )
        scheme = "https" if self.ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        form = request.form.to_dict()
        with self._lock:
            self.seen.append(Seen(time.monotonic(), request.path, form))
            next_answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        status, headers, body = next_answer(form) if callable(next_answer) else next_answer
        return Response(body, status, headers=dict(headers))(environ, start_response)

    def client(self, **over: Any) -> Client:
        settings: dict[str, Any] = {
            "merchant_id": MERCHANT_ID,
            "hmac_key": HMAC_KEY,
            "cipher_key": CIPHER_KEY,
            "base_url": self.url,
            "connect_timeout": 2.0,
            "read_timeout": 5.0,
            "retries": 2,
            "backoff_factor": 0.01,
        }
        settings.update(over)
        return Client(Config(**settings))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakePaygate:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_error(self, format: str, *args: Any) -> None:
        pass
