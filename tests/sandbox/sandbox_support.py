"""Helpers for the sandbox tests: a merchant, a Paygate caller, a shop that receives results.

The caller speaks the wire format with the generated crypto only (compute_mac,
the cipher), never with the sandbox's own helpers, so a mistake in the sandbox's
encoding cannot hide behind the same mistake here.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
from paygate import OPERATIONS, Secret
from paygate.crypto import compute_mac, make_cipher, verify_mac
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

MERCHANT_ID = "SandboxShop"
HMAC_KEY = "test-hmac-key-0123456789"
CIPHER_KEY = "test-blowfish-key"
AES_KEY = "0123456789abcdef0123456789abcdef"


class FakeClock:
    """A settable clock for the sandbox's business rules."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self.now = moment

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.now = self.now + timedelta(**delta)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def http() -> requests.Session:
    """A session that never goes through a proxy (everything here is on loopback)."""
    s = requests.Session()
    s.trust_env = False
    return s


def join_pairs(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def split_pairs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in text.split("&"):
        key, _, value = pair.partition("=")
        out[key] = value
    return out


@dataclass
class Caller:
    """Sends Paygate calls to a sandbox and opens its answers."""

    base_url: str
    merchant_id: str = MERCHANT_ID
    hmac_key: str = HMAC_KEY
    cipher_key: str = CIPHER_KEY
    cipher_kind: str = "blowfish"
    session: requests.Session = field(default_factory=http)

    def __post_init__(self) -> None:
        self.cipher = make_cipher(self.cipher_kind, Secret(self.cipher_key))

    def mac(self, operation: str, params: Mapping[str, str]) -> str:
        fields = [params.get(f) if f else None for f in OPERATIONS[operation].request_mac]
        return compute_mac(Secret(self.hmac_key), fields)

    def form(
        self, operation: str, params: Mapping[str, str], *, mac: bool = True
    ) -> dict[str, str]:
        """MerchantID/Len/Data for ``params`` (MerchantID and MAC added unless given)."""
        full = {"MerchantID": self.merchant_id, **params}
        if mac and "MAC" not in full:
            full["MAC"] = self.mac(operation, full)
        data, length = self.cipher.encrypt(join_pairs(full))
        return {"MerchantID": self.merchant_id, "Len": str(length), "Data": data}

    def raw(self, operation: str, form: Mapping[str, str], **kw: Any) -> requests.Response:
        url = urljoin(self.base_url, OPERATIONS[operation].endpoint)
        return self.session.post(url, data=dict(form), timeout=10, allow_redirects=False, **kw)

    def call(self, operation: str, params: Mapping[str, str], **kw: Any) -> dict[str, str]:
        """A server-to-server call; the decrypted result, its MAC checked."""
        response = self.raw(operation, self.form(operation, params, **kw))
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        return self.open(operation, dict(parse_qsl(response.text, keep_blank_values=True)))

    def open(self, operation: str, fields: Mapping[str, str]) -> dict[str, str]:
        """Decrypt a result (when it has Data) and check its MAC against the result fields."""
        if "Data" in fields:
            assert fields["MerchantID"] == self.merchant_id
            result = split_pairs(self.cipher.decrypt(fields["Data"], int(fields["Len"])))
            extra = {k: v for k, v in fields.items() if k not in ("MerchantID", "Len", "Data")}
            result.update(extra)
        else:
            result = dict(fields)
        macd = [result.get(f) if f else None for f in OPERATIONS[operation].result_mac]
        assert verify_mac(Secret(self.hmac_key), macd, result["MAC"]), "result MAC mismatch"
        return result

    # -- the browser side of a payment ----------------------------------------------

    def start_payment(self, params: Mapping[str, str], **kw: Any) -> requests.Response:
        """The browser's GET to alipayplus.aspx (no redirects followed)."""
        form = self.form("alipayplus.payment", params, **kw)
        url = urljoin(self.base_url, "alipayplus.aspx")
        return self.session.get(url, params=form, timeout=10, allow_redirects=False)

    def press(self, wallet: requests.Response, action: str) -> requests.Response:
        """Press a button of the wallet page (no redirects followed)."""
        page = WalletPage.parse(wallet.text)
        assert action in page.buttons, page.buttons
        url = urljoin(wallet.url, page.action)
        return self.session.post(url, data={"action": action}, timeout=10, allow_redirects=False)


class WalletPage(HTMLParser):
    """The form of the sandbox's wallet page: its action and button values."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.buttons: list[str] = []
        self.pay_id = ""
        self._in_dd_after: str | None = None
        self._last_dt = ""

    @classmethod
    def parse(cls, html: str) -> WalletPage:
        page = cls()
        page.feed(html)
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action") or ""
        if tag == "button" and a.get("name") == "action":
            self.buttons.append(a.get("value") or "")
        if tag == "dt":
            self._in_dd_after = "dt"
        if tag == "dd":
            self._in_dd_after = self._last_dt

    def handle_data(self, data: str) -> None:
        if self._in_dd_after == "dt":
            self._last_dt = data.strip()
        elif self._in_dd_after == "PayID":
            self.pay_id = data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("dt", "dd"):
            self._in_dd_after = None


def location_fields(response: requests.Response) -> tuple[str, dict[str, str]]:
    """Where a 303 goes, and the fields in its query string."""
    assert response.status_code == 303, (response.status_code, response.text[:500])
    parts = urlsplit(response.headers["Location"])
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return base, dict(parse_qsl(parts.query, keep_blank_values=True))


# --------------------------------------------------------------------------- the shop


class Shop:
    """A shop on loopback: URLNotify (can fail its first N calls), URLSuccess, URLFailure."""

    def __init__(self, notify_app: Any = None) -> None:
        """``notify_app``: a WSGI app to answer URLNotify (after the failing calls)."""
        self.notify_app = notify_app
        self.notifies: list[tuple[str, bytes]] = []  # (content type, body) of answered ones
        self.notify_calls = 0
        self.fail_first = 0
        self.visits: list[tuple[str, str, dict[str, str]]] = []  # (path, method, fields)
        self._lock = threading.Lock()
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self, threaded=True, request_handler=_Quiet
        )
        self.url = f"http://127.0.0.1:{self._server.port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def urls(self) -> dict[str, str]:
        return {
            "URLSuccess": self.url + "success",
            "URLFailure": self.url + "failure",
            "URLNotify": self.url + "notify",
        }

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/notify":
            body = request.get_data()
            with self._lock:
                self.notify_calls += 1
                failing = self.notify_calls <= self.fail_first
                if not failing:
                    self.notifies.append((request.content_type or "", body))
            if not failing and self.notify_app is not None:
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
                return self.notify_app(environ, start_response)
            status = 500 if failing else 200
            return Response("no" if failing else "OK", status)(environ, start_response)
        with self._lock:
            self.visits.append((request.path, request.method, request.values.to_dict()))
        return Response(f"shop page {request.path}")(environ, start_response)

    def notify_fields(self, index: int = -1) -> dict[str, str]:
        content_type, body = self.notifies[index]
        assert content_type.startswith("application/x-www-form-urlencoded")
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def payment_params(shop: Shop, **overrides: str) -> dict[str, str]:
    """A valid Alipay+ payment request (without MerchantID and MAC)."""
    params = {
        "TransID": "T-1001",
        "Amount": "1000",
        "Currency": "EUR",
        "OrderDesc": "Two coffees",
        **shop.urls(),
        "Response": "encrypt",
        "FxCurrency": "CNY",
        "UserData": "cart=42",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != "<absent>"}


def pay(caller: Caller, shop: Shop, action: str = "pay", **overrides: str) -> dict[str, str]:
    """Start a payment, press ``action`` in the wallet, and open the redirect's result."""
    wallet = caller.start_payment(payment_params(shop, **overrides))
    assert wallet.status_code == 200, wallet.text[:500]
    _, fields = location_fields(caller.press(wallet, action))
    return caller.open("alipayplus.payment", fields)


def wait_for(condition: Any, timeout: float = 5.0, what: str = "condition") -> None:
    """Poll ``condition()`` until true (bounded); fail with ``what`` otherwise."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --------------------------------------------------------------------------- the command


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without PAYGATE_ settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYGATE_")}
    env.update(extra)
    return env


class CliSandbox:
    """`paygate sandbox ARGS` in a child process; its banner, URL and console lines.

    stderr (request and notify lines) is read by a thread into ``console``.
    """

    def __init__(
        self, *args: str, env: Mapping[str, str] | None = None, cwd: str | None = None
    ) -> None:
        import subprocess
        import sys

        command = [sys.executable, "-u", "-c", "from generator.cli import main; main()"]
        self.proc = subprocess.Popen(
            [*command, "sandbox", "--port", "0", *args],
            env=dict(env if env is not None else clean_env()),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.console: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(self.proc.stderr,), daemon=True)
        self._reader.start()
        self.banner: list[str] = []
        for line in self.proc.stdout:
            self.banner.append(line.rstrip("\n"))
            if line.startswith("  stop with Ctrl-C"):
                break
        else:
            self.proc.wait(timeout=20)
            self._reader.join(timeout=5)
            raise AssertionError(f"the sandbox did not start: {self.banner} {self.console}")
        first = self.banner[0]
        assert first.startswith("Paygate sandbox on http://127.0.0.1:"), first
        self.url = first.split()[3]

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.console.append(line.rstrip("\n"))

    def stop(self, sig: int | None = None) -> int:
        """Stop it (SIGINT unless told), return its exit code; all output is read."""
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(sig if sig is not None else signal.SIGINT)
        try:
            code = self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:  # pragma: no cover - a hung sandbox
                self.proc.kill()
        self._reader.join(timeout=5)
        assert self.proc.stdout is not None
        self.banner.extend(line.rstrip("\n") for line in self.proc.stdout)
        return code

    def __enter__(self) -> CliSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_cli(db: Path) -> tuple[subprocess.Popen[str], str, str]:
    """`paygate sandbox --port 0` in a child process: the process, its URL, its first line."""
    command = [
        sys.executable,
        "-u",
        "-c",
        "from generator.cli import main; main()",
        "sandbox",
        "--port",
        "0",
        "--db",
        str(db),
        "--quiet",
    ]
    env = clean_env(
        PAYGATE_MERCHANT_ID=MERCHANT_ID,
        PAYGATE_HMAC_KEY=HMAC_KEY,
        PAYGATE_CIPHER_KEY=CIPHER_KEY,
        PAYGATE_CIPHER="blowfish",
    )
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if not first.startswith("Paygate sandbox on http://127.0.0.1:"):
        proc.kill()
        raise AssertionError(f"unexpected start: {first!r} {proc.communicate()}")
    return proc, first.split()[3], first
