"""Reversal, credit, inquiry and ReqId rules over real HTTP, with a fake clock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from paygate import SUCCESS, Secret
from sandbox_support import (
    AES_KEY,
    CIPHER_KEY,
    HMAC_KEY,
    MERCHANT_ID,
    Caller,
    FakeClock,
    Shop,
    pay,
    utc,
)

from generator.sandbox.operations import reversal_cutoff
from generator.sandbox.server import Merchant, RunningSandbox

# Codes as documented in generator/sandbox/protocol.py (PayID is parameter 29,
# Amount 4, Currency 5, ReqId 14).
UNKNOWN_PAYID = "20160029"
WRONG_AMOUNT = "20160004"
WRONG_CURRENCY = "20160005"
ALREADY_REVERSED = "20170029"
REQ_ID_TAKEN = "20170014"
TOO_LATE = "20180029"
NOT_ALLOWED = "20190029"


def reverse(caller: Caller, pay_id: str, amount: str = "1000", **kw: str) -> dict[str, str]:
    params = {"PayID": pay_id, "TransID": "T-1001", "Amount": amount, "Currency": "EUR", **kw}
    return caller.call("alipayplus.reverse", params)


def credit(caller: Caller, pay_id: str, amount: str, **kw: str) -> dict[str, str]:
    params = {"PayID": pay_id, "TransID": "T-1001", "Amount": amount, "Currency": "EUR", **kw}
    return caller.call("alipayplus.credit", params)


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


# --------------------------------------------------------------------------- reversal


def test_reversal_cancels_the_whole_payment_only(caller: Caller, shop: Shop, db: Path) -> None:
    pay_id = pay(caller, shop)["PayID"]
    part = reverse(caller, pay_id, "999")
    assert (part["Status"], part["Code"]) == ("FAILED", WRONG_AMOUNT)
    assert "1000" in part["Description"]
    more = reverse(caller, pay_id, "1001")
    assert more["Code"] == WRONG_AMOUNT
    other_currency = reverse(caller, pay_id, Currency="USD")
    assert other_currency["Code"] == WRONG_CURRENCY

    whole = reverse(caller, pay_id, UserData="rev-1")
    assert (whole["Status"], whole["Code"]) == ("OK", SUCCESS)
    assert (whole["PayID"], whole["TransID"], whole["UserData"]) == (pay_id, "T-1001", "rev-1")
    assert rows(db, "SELECT pay_id, amount FROM reversals") == [(pay_id, 1000)]

    twice = reverse(caller, pay_id)
    assert (twice["Status"], twice["Code"]) == ("FAILED", ALREADY_REVERSED)
    assert credit(caller, pay_id, "10")["Code"] == NOT_ALLOWED
    inquired = caller.call("alipayplus.inquire", {"PayID": pay_id})
    assert inquired["Status"] == "OK" and "reversed" in inquired["Description"]
    assert len(rows(db, "SELECT * FROM reversals")) == 1


def test_reversal_needs_an_authorised_payment_without_credits(caller: Caller, shop: Shop) -> None:
    declined = pay(caller, shop, "decline")["PayID"]
    assert reverse(caller, declined)["Code"] == NOT_ALLOWED
    pending = pay(caller, shop, "pending")["PayID"]
    assert reverse(caller, pending)["Code"] == NOT_ALLOWED
    credited = pay(caller, shop)["PayID"]
    assert credit(caller, credited, "100")["Code"] == SUCCESS
    refused = reverse(caller, credited)
    assert refused["Code"] == NOT_ALLOWED and "credit" in refused["Description"]
    assert reverse(caller, "9" * 32)["Code"] == UNKNOWN_PAYID


def test_reversal_cutoff_is_00_15_utc8_the_next_day(
    caller: Caller, shop: Shop, clock: FakeClock
) -> None:
    # Authorised 2026-03-10 10:00 UTC = 18:00 UTC+8; cutoff 2026-03-11 00:15 UTC+8 = 16:15 UTC.
    early = pay(caller, shop)["PayID"]
    late = pay(caller, shop)["PayID"]
    clock.set(utc(2026, 3, 10, 16, 14, 59))
    assert reverse(caller, early)["Code"] == SUCCESS
    clock.set(utc(2026, 3, 10, 16, 15, 0))
    refused = reverse(caller, late)
    assert (refused["Status"], refused["Code"]) == ("FAILED", TOO_LATE)
    assert "2026-03-11T00:15:00+08:00" in refused["Description"]
    # A credit is still possible after the cutoff.
    assert credit(caller, late, "1000")["Code"] == SUCCESS


def test_cutoff_follows_the_utc8_date_not_the_utc_date(
    caller: Caller, shop: Shop, clock: FakeClock
) -> None:
    # 17:00 UTC on the 10th is already 01:00 on the 11th in UTC+8: cutoff 12th 00:15 UTC+8.
    clock.set(utc(2026, 3, 10, 17, 0))
    first = pay(caller, shop)["PayID"]
    second = pay(caller, shop)["PayID"]
    clock.set(utc(2026, 3, 11, 16, 14))
    assert reverse(caller, first)["Code"] == SUCCESS
    clock.set(utc(2026, 3, 11, 16, 15))
    assert reverse(caller, second)["Code"] == TOO_LATE


def test_cutoff_function() -> None:
    assert reversal_cutoff(utc(2026, 12, 31, 15, 59)) == utc(2026, 12, 31, 16, 15)
    assert reversal_cutoff(utc(2026, 12, 31, 16, 0)) == utc(2027, 1, 1, 16, 15)


# --------------------------------------------------------------------------- credits


def test_partial_credits_up_to_the_payment_amount(caller: Caller, shop: Shop, db: Path) -> None:
    pay_id = pay(caller, shop)["PayID"]
    first = credit(caller, pay_id, "300", RefNr="R-1")
    assert (first["Status"], first["Code"], first["RefNr"]) == ("OK", SUCCESS, "R-1")
    over = credit(caller, pay_id, "701")
    assert (over["Status"], over["Code"]) == ("FAILED", WRONG_AMOUNT)
    assert "700" in over["Description"]
    assert credit(caller, pay_id, "700")["Code"] == SUCCESS
    assert credit(caller, pay_id, "1")["Code"] == WRONG_AMOUNT
    assert rows(db, "SELECT SUM(amount), COUNT(*) FROM credits") == [(1000, 2)]
    inquired = caller.call("alipayplus.inquire", {"PayID": pay_id})
    assert "1000 of 1000 credited" in inquired["Description"]


def test_credit_rules(caller: Caller, shop: Shop, clock: FakeClock) -> None:
    pay_id = pay(caller, shop)["PayID"]
    assert credit(caller, pay_id, "0")["Code"] == WRONG_AMOUNT
    assert credit(caller, pay_id, "10", Currency="JPY")["Code"] == WRONG_CURRENCY
    assert credit(caller, "9" * 32, "10")["Code"] == UNKNOWN_PAYID
    assert credit(caller, pay(caller, shop, "decline")["PayID"], "10")["Code"] == NOT_ALLOWED
    assert credit(caller, pay(caller, shop, "pending")["PayID"], "10")["Code"] == NOT_ALLOWED
    clock.advance(days=366)
    assert credit(caller, pay_id, "10")["Code"] == TOO_LATE


# --------------------------------------------------------------------------- ReqId


def test_repeated_req_id_returns_the_original_result_and_acts_once(
    caller: Caller, shop: Shop, db: Path
) -> None:
    pay_id = pay(caller, shop)["PayID"]
    first = credit(caller, pay_id, "400", ReqId="credit-1")
    assert first["Code"] == SUCCESS
    assert credit(caller, pay_id, "100", ReqId="credit-2")["Code"] == SUCCESS
    again = credit(caller, pay_id, "400", ReqId="credit-1")
    assert again == first  # including its Description "400 of 1000 credited"
    # Even with other values the stored result comes back and nothing happens.
    assert credit(caller, pay_id, "5", ReqId="credit-1") == first
    assert rows(db, "SELECT amount, req_id FROM credits ORDER BY id") == [
        (400, "credit-1"),
        (100, "credit-2"),
    ]


def test_a_refused_request_keeps_its_refusal_under_its_req_id(
    caller: Caller, shop: Shop, db: Path
) -> None:
    pay_id = pay(caller, shop)["PayID"]
    refused = credit(caller, pay_id, "5000", ReqId="big")
    assert refused["Code"] == WRONG_AMOUNT
    assert credit(caller, pay_id, "50", ReqId="big") == refused
    assert rows(db, "SELECT COUNT(*) FROM credits") == [(0,)]


def test_a_req_id_is_for_one_operation(caller: Caller, shop: Shop, db: Path) -> None:
    pay_id = pay(caller, shop)["PayID"]
    assert credit(caller, pay_id, "100", ReqId="shared")["Code"] == SUCCESS
    taken = reverse(caller, pay_id, ReqId="shared")
    assert (taken["Status"], taken["Code"]) == ("FAILED", REQ_ID_TAKEN)
    assert rows(db, "SELECT COUNT(*) FROM reversals") == [(0,)]


def test_reversal_replay_returns_ok_again_not_already_reversed(
    caller: Caller, shop: Shop, db: Path
) -> None:
    pay_id = pay(caller, shop)["PayID"]
    first = reverse(caller, pay_id, ReqId="rev-1")
    assert first["Code"] == SUCCESS
    assert reverse(caller, pay_id, ReqId="rev-1") == first
    assert reverse(caller, pay_id, ReqId="rev-2")["Code"] == ALREADY_REVERSED
    assert rows(db, "SELECT COUNT(*) FROM reversals") == [(1,)]


def test_req_ids_and_payments_are_per_merchant(
    start_sandbox: Callable[..., RunningSandbox], shop: Shop, db: Path
) -> None:
    first = Merchant(MERCHANT_ID, Secret(HMAC_KEY), Secret(CIPHER_KEY), "blowfish")
    second = Merchant("AesShop", Secret("another-hmac-key"), Secret(AES_KEY), "aes")
    sandbox = start_sandbox(merchants=[first, second])
    one = Caller(sandbox.url)
    two = Caller(
        sandbox.url,
        merchant_id="AesShop",
        hmac_key="another-hmac-key",
        cipher_key=AES_KEY,
        cipher_kind="aes",
    )
    pay_one = pay(one, shop)["PayID"]
    pay_two = pay(two, shop)["PayID"]
    assert credit(one, pay_one, "100", ReqId="same")["Code"] == SUCCESS
    assert credit(two, pay_two, "200", ReqId="same")["Code"] == SUCCESS
    # One merchant cannot see or touch the other's payment.
    assert credit(two, pay_one, "1")["Code"] == UNKNOWN_PAYID
    assert two.call("alipayplus.inquire", {"PayID": pay_one})["Code"] == UNKNOWN_PAYID
    assert rows(db, "SELECT merchant_id, amount FROM credits ORDER BY id") == [
        (MERCHANT_ID, 100),
        ("AesShop", 200),
    ]


# --------------------------------------------------------------------------- inquire


def test_inquire_of_an_unknown_payment(caller: Caller) -> None:
    result = caller.call("alipayplus.inquire", {"PayID": "1" * 32})
    assert (result["Status"], result["Code"], result["PayID"]) == (
        "FAILED",
        UNKNOWN_PAYID,
        "1" * 32,
    )


@pytest.mark.parametrize(("action", "status"), [("pay", "OK"), ("decline", "FAILED")])
def test_inquire_reports_the_final_status(
    caller: Caller, shop: Shop, action: str, status: str
) -> None:
    paid = pay(caller, shop, action)
    result = caller.call("alipayplus.inquire", {"PayID": paid["PayID"]})
    assert (result["Status"], result["Code"], result["XID"]) == (status, paid["Code"], paid["XID"])
