"""The client's transport against the sandbox over real HTTP: retries, timeouts, secrecy.

Connection failures are retried; a read timeout or a 5xx is retried only for a
call that carries a ReqId (reverse, credit), never for one that does not
(inquire). The sandbox's faults are counted down per request, so a fault left
over or used up tells how many requests really arrived.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from paygate import DeclinedError, PaymentResult, Secret, TransportError
from paygate.callbacks import notify_app
from paygate.client import Client, Config
from sandbox_support import CIPHER_KEY, HMAC_KEY, MERCHANT_ID, Shop
from test_e2e import browse_and_press

from generator.sandbox.server import Fault, RunningSandbox


def make_client(url: str, **over: object) -> Client:
    settings: dict[str, object] = {
        "merchant_id": MERCHANT_ID,
        "hmac_key": Secret(HMAC_KEY),
        "cipher_key": Secret(CIPHER_KEY),
        "base_url": url,
        "connect_timeout": 1.0,
        "read_timeout": 5.0,
        "retries": 2,
        "backoff_factor": 0.01,
    }
    settings.update(over)
    return Client(Config(**settings))  # type: ignore[arg-type]


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[Client]:
    with make_client(sandbox.url) as c:
        yield c


@pytest.fixture
def payment(client: Client) -> Iterator[PaymentResult]:
    shop = Shop(notify_app=notify_app(client, lambda r: None))
    try:
        _, fields = browse_and_press(client, shop)
        result = client.parse_result("alipayplus.payment", fields)
        assert isinstance(result, PaymentResult) and result.ok
        yield result
    finally:
        shop.stop()


def credits(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT amount, req_id FROM credits ORDER BY id").fetchall()


def test_5xx_is_not_retried_without_req_id(
    client: Client, sandbox: RunningSandbox, payment: PaymentResult
) -> None:
    sandbox.app.faults.add(Fault("status", "inquire.aspx", times=2, status=503))
    with pytest.raises(TransportError, match="HTTP 503"):
        client.inquire(PayID=payment.PayID)
    # One request arrived: one of the two 503s is still waiting.
    assert [f["times"] for f in sandbox.app.faults.listed()] == [1]


def test_read_timeout_fires_and_is_not_retried_without_req_id(
    sandbox: RunningSandbox, payment: PaymentResult
) -> None:
    sandbox.app.faults.add(Fault("delay", "inquire.aspx", times=2, delay_ms=1500))
    with make_client(sandbox.url, read_timeout=0.3) as quick:
        start = time.monotonic()
        with pytest.raises(TransportError, match="ReadTimeout"):
            quick.inquire(PayID=payment.PayID)
        elapsed = time.monotonic() - start
    assert elapsed < 1.2  # the timeout fired, long before the 1.5 s answer
    assert [f["times"] for f in sandbox.app.faults.listed()] == [1]


def test_5xx_is_retried_with_req_id_and_applied_once(
    client: Client, sandbox: RunningSandbox, payment: PaymentResult, db: Path
) -> None:
    sandbox.app.faults.add(Fault("status", "credit.aspx", times=2, status=503))
    result = client.credit(
        PayID=payment.PayID, TransID="E2E-1", Amount=100, Currency="EUR", ReqId="r-5xx"
    )
    assert result.ok
    assert sandbox.app.faults.listed() == []
    assert credits(db) == [(100, "r-5xx")]


def test_retries_stop_after_the_configured_number(
    client: Client, sandbox: RunningSandbox, payment: PaymentResult, db: Path
) -> None:
    sandbox.app.faults.add(Fault("status", "credit.aspx", times=5, status=502))
    with pytest.raises(TransportError, match="HTTP 502"):
        client.credit(PayID=payment.PayID, TransID="E2E-1", Amount=100, Currency="EUR")
    # First try plus retries=2: three requests, two 502s left over.
    assert [f["times"] for f in sandbox.app.faults.listed()] == [2]
    assert credits(db) == []


def test_same_req_id_on_every_retry_after_a_read_timeout(
    sandbox: RunningSandbox, payment: PaymentResult, db: Path
) -> None:
    # The sandbox acts, then answers too late; the retry must carry the same ReqId so
    # that the sandbox answers with the original result instead of crediting again.
    sandbox.app.faults.add(Fault("delay", "credit.aspx", times=1, delay_ms=1500))
    with make_client(sandbox.url, read_timeout=0.5) as quick:
        result = quick.credit(PayID=payment.PayID, TransID="E2E-1", Amount=70, Currency="EUR")
    assert result.ok
    rows = credits(db)
    assert len(rows) == 1 and rows[0][0] == 70


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_failures_are_retried_even_without_req_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="urllib3")
    url = f"http://127.0.0.1:{_closed_port()}/"
    with make_client(url, retries=3) as c, pytest.raises(TransportError, match="ConnectionError"):
        c.inquire(PayID="a" * 32)
    retries = [r for r in caplog.records if "Retrying" in r.getMessage()]
    assert len(retries) == 3


def test_no_secret_in_logs_or_errors_of_a_whole_flow(
    sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with make_client(sandbox.url) as c:
        shop = Shop(notify_app=notify_app(c, lambda r: seen.append(repr(r))))
        try:
            _, fields = browse_and_press(c, shop)
            result = c.parse_result("alipayplus.payment", fields)
            seen.append(repr(result))
            seen.append(
                repr(c.credit(PayID=result.PayID, TransID="E2E-1", Amount=10, Currency="EUR"))
            )
            seen.append(repr(c.inquire(PayID=result.PayID)))
            sandbox.app.faults.add(Fault("status", "inquire.aspx", times=1, status=500))
            try:
                c.inquire(PayID=result.PayID)
            except TransportError as exc:
                seen.append(str(exc))
                seen.append(repr(exc))
            seen.append(repr(c) + repr(c.config) + str(c.config))
        finally:
            shop.stop()
    out = capsys.readouterr()
    everything = "\n".join([caplog.text, out.out, out.err, *seen])
    assert "credit.aspx" in caplog.text  # the flow was logged at DEBUG
    for secret in (HMAC_KEY, CIPHER_KEY):
        assert secret not in everything
        assert secret.encode().hex() not in everything.lower()


def test_a_decline_says_why(client: Client, payment: PaymentResult, db: Path) -> None:
    # The sandbox's Description of an over-credit reaches str(DeclinedError), keys never do.
    client.credit(PayID=payment.PayID, TransID="E2E-1", Amount=300, Currency="EUR")
    with pytest.raises(DeclinedError) as err:
        client.credit(PayID=payment.PayID, TransID="E2E-1", Amount=1000, Currency="EUR")
    text = str(err.value)
    assert text.startswith("FAILED: 20160004: error; value unknown or not allowed; parameter 0004")
    assert text.endswith(
        "Description: Amount: 1000 would credit more than the payment; 700 of 1000 left"
    )
    assert err.value.result is not None and not err.value.result.ok
    for secret in (HMAC_KEY, CIPHER_KEY):
        assert secret not in text and secret not in repr(err.value)
    assert [amount for amount, _ in credits(db)] == [300]
