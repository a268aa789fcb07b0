"""End to end: the generated client (paygate.client, paygate.callbacks) against the sandbox.

Everything runs over real HTTP on 127.0.0.1: the sandbox, a shop whose
URLNotify is the client's own ``notify_app``, and a browser played by
``requests`` (follow the payment redirect, press a wallet button, land on the
shop's URLSuccess).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from paygate import (
    AnyResult,
    DeclinedError,
    DecryptionError,
    PaygateError,
    PaymentResult,
    Secret,
    SignatureError,
    Status,
)
from paygate.callbacks import notify_app
from paygate.client import Client, Config
from paygate.crypto import BlowfishCipher
from sandbox_support import (
    CIPHER_KEY,
    HMAC_KEY,
    MERCHANT_ID,
    Shop,
    WalletPage,
    http,
)

from generator.sandbox.server import Fault, RunningSandbox


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[Client]:
    config = Config(
        merchant_id=MERCHANT_ID,
        hmac_key=Secret(HMAC_KEY),
        cipher_key=Secret(CIPHER_KEY),
        cipher="blowfish",
        base_url=sandbox.url,
        connect_timeout=2.0,
        read_timeout=5.0,
        retries=2,
        backoff_factor=0.01,
    )
    with Client(config) as c:
        yield c


@pytest.fixture
def notified() -> list[AnyResult]:
    return []


@pytest.fixture
def e2e_shop(client: Client, notified: list[AnyResult]) -> Iterator[Shop]:
    s = Shop(notify_app=notify_app(client, notified.append))
    yield s
    s.stop()


def payment_kwargs(shop: Shop, **overrides: object) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "TransID": "E2E-1",
        "Amount": 1000,
        "Currency": "EUR",
        "OrderDesc": "Green tea",
        "URLSuccess": shop.url + "success",
        "URLFailure": shop.url + "failure",
        "URLNotify": shop.url + "notify",
        "FxCurrency": "CNY",
        "UserData": "order-77",
    }
    kwargs.update(overrides)
    return kwargs


def browse_and_press(
    client: Client, shop: Shop, action: str = "pay", *, post: bool = False, **overrides: object
) -> tuple[requests.Response, dict[str, str]]:
    """The customer's browser: to the sandbox, press ``action``, land on the shop."""
    form = client.payment_form(**payment_kwargs(shop, **overrides))
    browser = http()
    if post:
        wallet = browser.post(form.url, data=dict(form.fields), timeout=10)
    else:
        wallet = browser.get(form.redirect_url, timeout=10)
    assert wallet.status_code == 200, wallet.text[:300]
    page = WalletPage.parse(wallet.text)
    landing = browser.post(urljoin(wallet.url, page.action), data={"action": action}, timeout=10)
    assert landing.status_code == 200
    assert [r.status_code for r in landing.history] == [303]
    path, _, fields = shop.visits[-1]
    assert urlsplit(landing.url).path == path
    return landing, fields


def paid(client: Client, shop: Shop, **overrides: object) -> PaymentResult:
    _, fields = browse_and_press(client, shop, "pay", post=False, **overrides)
    result = client.parse_result("alipayplus.payment", fields)
    assert isinstance(result, PaymentResult) and result.ok
    return result


def credit_rows(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT amount, req_id FROM credits ORDER BY id").fetchall()


# --------------------------------------------------------------------------- the payment


@pytest.mark.parametrize("post", [False, True], ids=["redirect-url", "form-post"])
def test_full_payment_flow(
    client: Client, e2e_shop: Shop, notified: list[AnyResult], post: bool
) -> None:
    landing, fields = browse_and_press(client, e2e_shop, "pay", post=post)
    assert urlsplit(landing.url).path == "/success"
    assert set(fields) == {"MerchantID", "Len", "Data"}  # the client asks for Response=encrypt
    result = client.parse_result("alipayplus.payment", fields)
    assert isinstance(result, PaymentResult)
    assert result.ok and result.Status is Status.OK and result.Code == "00000000"
    assert (result.TransID, result.UserData, result.mid) == ("E2E-1", "order-77", MERCHANT_ID)
    assert len(result.PayID) == 32 and len(result.XID) == 32

    # The client's notify_app verified the notify and handed over the same result.
    assert len(notified) == 1
    assert (notified[0].PayID, notified[0].Status, notified[0].ok) == (
        result.PayID,
        Status.OK,
        True,
    )

    inquired = client.inquire(PayID=result.PayID)
    assert (inquired.Status, inquired.ok, inquired.XID) == (Status.OK, True, result.XID)


def test_declined_and_pending_payments(
    client: Client, e2e_shop: Shop, notified: list[PaymentResult]
) -> None:
    landing, fields = browse_and_press(client, e2e_shop, "decline", TransID="E2E-2")
    assert urlsplit(landing.url).path == "/failure"
    declined = client.parse_result("alipayplus.payment", fields)
    assert isinstance(declined, PaymentResult)
    assert declined.Status is Status.FAILED and not declined.ok
    assert declined.code_info.severity == "2"

    _, fields = browse_and_press(client, e2e_shop, "pending", TransID="E2E-3")
    pending = client.parse_result("alipayplus.payment", fields)
    assert isinstance(pending, PaymentResult)
    assert pending.Status is Status.AUTHORIZE_REQUEST and not pending.ok
    assert client.inquire(PayID=pending.PayID).Status is Status.AUTHORIZE_REQUEST
    assert [n.Status for n in notified] == [Status.FAILED, Status.AUTHORIZE_REQUEST]


def test_replayed_failure_data_at_url_success_is_still_a_failure(
    client: Client, e2e_shop: Shop
) -> None:
    _, fields = browse_and_press(client, e2e_shop, "decline")
    # An attacker copies the encrypted failure to URLSuccess: only Code decides.
    replay = http().get(e2e_shop.url + "success", params=fields, timeout=10)
    assert replay.status_code == 200
    result = client.parse_result("alipayplus.payment", e2e_shop.visits[-1][2])
    assert isinstance(result, PaymentResult) and not result.ok


# --------------------------------------------------------------------------- server-to-server


def test_reversal(client: Client, e2e_shop: Shop) -> None:
    payment = paid(client, e2e_shop)
    result = client.reverse(PayID=payment.PayID, TransID="E2E-1", Amount=1000, Currency="EUR")
    assert result.ok and result.Status is Status.OK and result.PayID == payment.PayID
    with pytest.raises(DeclinedError) as again:
        client.reverse(PayID=payment.PayID, TransID="E2E-1", Amount=1000, Currency="EUR")
    assert again.value.code == "20170029"  # already reversed (generator/sandbox/protocol.py)
    with pytest.raises(DeclinedError) as part:
        other = paid(client, e2e_shop, TransID="E2E-4")
        client.reverse(PayID=other.PayID, TransID="E2E-4", Amount=999, Currency="EUR")
    assert part.value.code == "20160004"  # whole payment only
    assert part.value.pay_id == other.PayID


def test_partial_credits(client: Client, e2e_shop: Shop, db: Path) -> None:
    payment = paid(client, e2e_shop)
    first = client.credit(PayID=payment.PayID, TransID="E2E-1", Amount=300, Currency="EUR")
    second = client.credit(PayID=payment.PayID, TransID="E2E-1", Amount=700, Currency="EUR")
    assert first.ok and second.ok
    with pytest.raises(DeclinedError) as over:
        client.credit(PayID=payment.PayID, TransID="E2E-1", Amount=1, Currency="EUR")
    assert over.value.code == "20160004"
    failed = over.value.result
    assert getattr(failed, "Status", None) is Status.FAILED
    assert [amount for amount, _ in credit_rows(db)] == [300, 700]
    # The client gave every credit a fresh ReqId.
    assert len({req_id for _, req_id in credit_rows(db)}) == 2


def test_inquiry_of_an_unknown_payment_is_returned_not_raised(client: Client) -> None:
    result = client.inquire(PayID="5" * 32)
    assert result.Status is Status.FAILED and not result.ok
    assert result.Code == "20160029"


# --------------------------------------------------------------------------- retries


@pytest.mark.parametrize(
    "fault",
    [
        Fault("drop", "credit.aspx"),
        Fault("status", "credit.aspx", times=2, status=503),
        Fault("delay", "credit.aspx", delay_ms=1500),
    ],
    ids=["dropped-response", "two-503s", "read-timeout"],
)
def test_retries_with_the_same_req_id_apply_once(
    client: Client,
    e2e_shop: Shop,
    sandbox: RunningSandbox,
    db: Path,
    fault: Fault,
    start_sandbox: Callable[..., RunningSandbox],
) -> None:
    payment = paid(client, e2e_shop)
    sandbox.app.faults.add(fault)
    quick = Client(
        Config(
            merchant_id=MERCHANT_ID,
            hmac_key=Secret(HMAC_KEY),
            cipher_key=Secret(CIPHER_KEY),
            base_url=sandbox.url,
            read_timeout=0.5,  # the delay fault outlasts it
            retries=2,
            backoff_factor=0.01,
        )
    )
    with quick:
        result = quick.credit(
            PayID=payment.PayID, TransID="E2E-1", Amount=300, Currency="EUR", ReqId="retry-1"
        )
    assert result.ok
    # The original result: the first (applied) credit's description, not a second one.
    assert "300 of 1000 credited" in result.Description
    assert credit_rows(db) == [(300, "retry-1")]
    assert sandbox.app.faults.listed() == []  # the fault really fired


def test_retry_with_the_clients_own_req_id(
    client: Client, e2e_shop: Shop, sandbox: RunningSandbox, db: Path
) -> None:
    payment = paid(client, e2e_shop)
    sandbox.app.faults.add(Fault("drop", "credit.aspx"))
    result = client.credit(PayID=payment.PayID, TransID="E2E-1", Amount=250, Currency="EUR")
    assert result.ok
    rows = credit_rows(db)
    assert len(rows) == 1 and rows[0][0] == 250 and rows[0][1]


# --------------------------------------------------------------------------- tampering


def _flip(hex_text: str, index: int) -> str:
    """Change one hex digit (0<->1, A<->B, ...)."""
    digit = int(hex_text[index], 16) ^ 1
    return hex_text[:index] + format(digit, "X") + hex_text[index + 1 :]


def _signed_spans(plaintext: str) -> list[tuple[int, int]]:
    """Byte ranges of the MAC-covered pairs (with their '&' on both sides)."""
    spans = []
    offset = 0
    for pair in plaintext.split("&"):
        key = pair.partition("=")[0]
        if key.lower() in ("mid", "payid", "transid", "status", "code", "mac"):
            spans.append((offset - 1, offset + len(pair) + 1))
        offset += len(pair) + 1
    return spans


def test_tampered_data_is_rejected(client: Client, e2e_shop: Shop) -> None:
    _, fields = browse_and_press(client, e2e_shop)
    # The first cipher block holds "mid=…": its key is garbled (refused as corrupt Data)
    # or, where the key survives, the MAC no longer matches.
    with pytest.raises((SignatureError, DecryptionError)):
        client.parse_result("alipayplus.payment", {**fields, "Data": _flip(fields["Data"], 0)})
    with pytest.raises(DecryptionError):
        client.parse_result("alipayplus.payment", {**fields, "Data": fields["Data"][:-2]})
    with pytest.raises(DecryptionError):
        client.parse_result("alipayplus.payment", {**fields, "Len": "100000"})

    # One changed hex digit in every 8-byte Blowfish block. A block that holds any part of
    # a MAC-covered pair is always refused. The MAC does not cover Description, XID or
    # UserData (the vendor's result MAC is PayID*TransID*MerchantID*Status*Code), and
    # Blowfish/ECB has no integrity check, so a change confined to those may pass; when it
    # does, every signed value must still be the original.
    original = client.parse_result("alipayplus.payment", fields)
    assert isinstance(original, PaymentResult)
    signed = ("mid", "PayID", "TransID", "Status", "Code", "MAC")
    cipher = BlowfishCipher(Secret(CIPHER_KEY))
    spans = _signed_spans(cipher.decrypt(fields["Data"], int(fields["Len"])))
    refused = 0
    for block in range(len(fields["Data"]) // 16):
        start, end = block * 8, block * 8 + 8
        tampered = {**fields, "Data": _flip(fields["Data"], block * 16 + 3)}
        if any(start < hi and lo < end for lo, hi in spans):
            with pytest.raises(PaygateError):
                client.parse_result("alipayplus.payment", tampered)
            refused += 1
            continue
        try:
            accepted = client.parse_result("alipayplus.payment", tampered)
        except PaygateError:
            continue
        assert isinstance(accepted, PaymentResult)
        assert [getattr(accepted, k) for k in signed] == [getattr(original, k) for k in signed]
    assert refused >= 10


def test_tampered_plain_result_is_rejected(client: Client, e2e_shop: Shop) -> None:
    _, fields = browse_and_press(client, e2e_shop, "decline", Response=None)
    assert "Data" not in fields and fields["Status"] == "FAILED"
    assert not client.parse_result("alipayplus.payment", fields).ok
    with pytest.raises(SignatureError):
        client.parse_result("alipayplus.payment", {**fields, "MAC": _flip(fields["MAC"], 10)})
    forged = {**fields, "Status": "OK", "Code": "00000000"}
    with pytest.raises(SignatureError):
        client.parse_result("alipayplus.payment", forged)


def test_tampered_notify_is_answered_400(
    client: Client, e2e_shop: Shop, notified: list[PaymentResult]
) -> None:
    browse_and_press(client, e2e_shop)
    assert len(notified) == 1
    _, body = e2e_shop.notifies[-1]
    fields = dict(parse_qsl(body.decode()))
    tampered = {**fields, "Data": _flip(fields["Data"], 0)}
    answer = http().post(e2e_shop.url + "notify", data=tampered, timeout=10)
    assert answer.status_code == 400
    assert len(notified) == 1
