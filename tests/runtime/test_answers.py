"""What the client trusts of a server-to-server answer, over real HTTP on loopback.

Only Data decrypted with the merchant's key fills a typed result; a plain answer
is never a success; Code decides, never Status; keys sent beside Data stay in
``extra``; Data, Len and MAC come once. A scripted Paygate (fake_paygate) sends
what the real one would not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_paygate import (
    CIPHER_KEY,
    HMAC_KEY,
    PAY_ID,
    FakePaygate,
    answer,
    encrypted,
    pairs_body,
    result,
)
from paygate import (
    CreditResult,
    DeclinedError,
    DecryptionError,
    InquireResult,
    PaygateError,
    SignatureError,
    ValidationError,
)
from paygate.client import Client

Call = Callable[[Client], Any]

CALLS: dict[str, Call] = {
    "inquire": lambda c: c.inquire(PayID=PAY_ID),
    "reverse": lambda c: c.reverse(PayID=PAY_ID, TransID="TID-1", Amount=1234, Currency="EUR"),
    "credit": lambda c: c.credit(PayID=PAY_ID, TransID="TID-1", Amount=500, Currency="EUR"),
}


@pytest.fixture
def fake() -> Iterator[FakePaygate]:
    with FakePaygate([answer(encrypted(result()))]) as f:
        yield f


def answered(fake: FakePaygate, body: str) -> Client:
    fake.answers[:] = [answer(body)]
    return fake.client()


def no_secret_in(text: str) -> None:
    for secret in (HMAC_KEY, CIPHER_KEY):
        assert secret not in text
        assert secret.encode().hex() not in text.lower()


# --- a plain answer is never a success --------------------------------------------


@pytest.mark.parametrize("name", list(CALLS))
def test_plain_success_is_refused(
    fake: FakePaygate, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="paygate")
    client = answered(fake, pairs_body(result().items()))
    with pytest.raises(SignatureError, match="not encrypted and claims success") as err:
        CALLS[name](client)
    assert err.value.code is None  # nothing unproven is passed on as Paygate's
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unencrypted answer claims success" in r.getMessage() for r in warnings)
    no_secret_in(caplog.text + str(err.value))


@pytest.mark.parametrize("name", list(CALLS))
def test_plain_error_answer_is_a_failure_with_its_code(
    fake: FakePaygate, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    # What Paygate (and the sandbox) answer in plain for an unknown MerchantID.
    caplog.set_level(logging.WARNING, logger="paygate")
    body = pairs_body(
        [("Status", "FAILED"), ("Code", "20160001"), ("Description", "MerchantID: unknown")]
    )
    client = answered(fake, body)
    with pytest.raises(DeclinedError) as err:
        CALLS[name](client)
    assert err.value.code == "20160001"
    assert err.value.result is None and err.value.pay_id is None
    assert err.value.description == "MerchantID: unknown"
    assert "MerchantID: unknown" in str(err.value) and "not verified" in str(err.value)
    assert any(
        r.levelno == logging.WARNING and "20160001" in r.getMessage() for r in caplog.records
    )


@pytest.mark.parametrize(
    "body",
    [
        pairs_body([("Status", "FAILED")]),  # no Code
        pairs_body([("Status", "FAILED"), ("Code", "2016 001")]),  # not a Code
        "<html>Bad gateway</html>",
    ],
)
def test_plain_answer_without_a_code_is_refused(fake: FakePaygate, body: str) -> None:
    with pytest.raises(SignatureError, match="has no valid Code"):
        answered(fake, body).inquire(PayID=PAY_ID)


def test_plain_keys_with_data_that_does_not_decrypt_are_refused(fake: FakePaygate) -> None:
    body = encrypted(result(), key="another-merchants-key") + "&" + pairs_body(result().items())
    with pytest.raises(DecryptionError):
        answered(fake, body).inquire(PayID=PAY_ID)


def test_empty_data_with_plain_keys_is_not_a_result(fake: FakePaygate) -> None:
    # Data= and Len=0 decrypt to nothing: the plain keys beside them must not fill the result.
    body = pairs_body([("Len", "0"), ("Data", ""), *result().items()])
    with pytest.raises(ValidationError) as err:
        answered(fake, body).inquire(PayID=PAY_ID)
    assert {i.key for i in err.value.issues} >= {"PayID", "Status", "Code"}


# --- only decrypted text fills the typed result ------------------------------------


def test_keys_beside_data_go_to_extra(fake: FakePaygate, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="paygate")
    body = encrypted(
        result(UserData="order-7"), ("UserData", "attacker"), ("RefNr", "EVIL1"), ("Foo", "1")
    )
    got = answered(fake, body).inquire(PayID=PAY_ID)
    assert isinstance(got, InquireResult)
    assert got.UserData == "order-7" and got.RefNr is None
    assert got.extra == {
        "MerchantID": "FakeShop",
        "UserData": "attacker",
        "RefNr": "EVIL1",
        "Foo": "1",
    }
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [
        "alipayplus.inquire.result: RefNr, UserData sent unencrypted beside Data: "
        "kept in extra, not trusted"
    ]


def test_plain_code_beside_data_does_not_make_a_success(fake: FakePaygate) -> None:
    body = encrypted(result(Status="FAILED", Code="22060203"), ("Code", "00000000"))
    got = answered(fake, body).inquire(PayID=PAY_ID)
    assert got.Code == "22060203" and not got.ok
    with pytest.raises(DeclinedError):
        answered(fake, body).credit(PayID=PAY_ID, TransID="TID-1", Amount=5, Currency="EUR")


def test_decrypted_unknown_keys_are_kept_in_extra(fake: FakePaygate) -> None:
    got = answered(fake, encrypted({**result(), "NewField": "x"})).inquire(PayID=PAY_ID)
    assert got.extra == {"MerchantID": "FakeShop", "NewField": "x"}


# --- Code decides, never Status ----------------------------------------------------


def test_status_ok_with_a_failure_code_is_not_ok(fake: FakePaygate) -> None:
    body = encrypted(result(Status="OK", Code="22060203", Description="refused"))
    got = answered(fake, body).inquire(PayID=PAY_ID)
    assert got.Status == "OK" and not got.ok


@pytest.mark.parametrize("name", ["reverse", "credit"])
def test_status_ok_with_a_failure_code_is_declined(fake: FakePaygate, name: str) -> None:
    body = encrypted(result(Status="OK", Code="22060203", Description="refused"))
    with pytest.raises(DeclinedError) as err:
        CALLS[name](answered(fake, body))
    assert err.value.code == "22060203" and err.value.result is not None


def test_status_failed_with_the_success_code_is_ok(fake: FakePaygate) -> None:
    got = answered(fake, encrypted(result(Status="FAILED"))).credit(
        PayID=PAY_ID, TransID="TID-1", Amount=5, Currency="EUR"
    )
    assert isinstance(got, CreditResult) and got.ok


# --- Data, Len and MAC come once ---------------------------------------------------


@pytest.mark.parametrize(
    ("beside", "error"),
    [
        ([("Data", "00")], DecryptionError),
        ([("DATA", "00")], DecryptionError),
        ([("len", "8")], DecryptionError),
        ([("Len", "8")], DecryptionError),
        ([("MAC", "11"), ("mac", "00")], SignatureError),
    ],
)
def test_repeated_envelope_keys_are_an_error(
    fake: FakePaygate, beside: list[tuple[str, str]], error: type[PaygateError]
) -> None:
    with pytest.raises(error, match="more than once"):
        answered(fake, encrypted(result(), *beside)).inquire(PayID=PAY_ID)


def test_a_key_repeated_inside_data_is_an_error(fake: FakePaygate) -> None:
    fields = result(Status="FAILED", Code="22060203")
    text_fields = {**fields, "CODE": "00000000"}  # a second Code in another case
    with pytest.raises(DecryptionError, match="CODE is sent more than once"):
        answered(fake, encrypted(text_fields)).inquire(PayID=PAY_ID)


# --- declines say why --------------------------------------------------------------


def test_declined_error_carries_the_description(fake: FakePaygate) -> None:
    text = "Amount: 1000 would credit more than the payment; 734 of 1234 left"
    body = encrypted(result(Status="FAILED", Code="20160004", Description=text))
    with pytest.raises(DeclinedError) as err:
        answered(fake, body).credit(PayID=PAY_ID, TransID="TID-1", Amount=1000, Currency="EUR")
    assert str(err.value) == (
        "FAILED: 20160004: error; value unknown or not allowed; parameter 0004. "
        f"Description: {text}"
    )
    assert err.value.description == text
    no_secret_in(str(err.value) + repr(err.value))


@pytest.mark.parametrize(
    "text",
    [
        "mid=FakeShop&PayID=" + "a" * 32 + "&Description=ok\x01&Code=00000000",  # control char
        "mid=FakeShop&Pay ID=x&Code=00000000",  # not a parameter name
        "mid=FakeShop&=x&Code=00000000",  # no name
        "mid=FakeShop&" + "K" * 65 + "=x",  # too long a name
    ],
    ids=["control-character", "space-in-key", "empty-key", "long-key"],
)
def test_corrupt_decrypted_text_is_refused(fake: FakePaygate, text: str) -> None:
    # What a wrong key or a corrupt ECB block looks like after decryption.
    fields = dict(p.split("=", 1) for p in text.split("&"))
    with pytest.raises(DecryptionError, match="corrupt"):
        answered(fake, encrypted(fields)).inquire(PayID=PAY_ID)
