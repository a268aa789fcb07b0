"""Every way a request is refused, and the Code it gets.

Codes are ``2`` + module + the parameter's number, as documented in
generator/sandbox/protocol.py: modules 001 crypto, 010 missing, 011 format,
012 unknown parameter, 015 empty, 016 value not allowed, 017 sent twice.
Numbers used here: MerchantID 1, TransID 2, Amount 4, Currency 5, MAC 7,
OrderDesc 8, URLSuccess 9, URLFailure 10, URLNotify 12, terminalType 16,
osType 17, Custom 28, PayID 29, Len 31, Data 32.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from paygate import OPERATIONS, SUCCESS, VALIDATORS, decode_code
from sandbox_support import (
    MERCHANT_ID,
    Caller,
    Shop,
    http,
    join_pairs,
    location_fields,
    pay,
    payment_params,
)

from generator.sandbox.protocol import PARAMETER_NUMBERS

NO_ID = "0" * 32


def code(module: str, key: str | None = None) -> str:
    return f"2{module}{PARAMETER_NUMBERS[key] if key else 0:04d}"


def test_every_request_parameter_has_a_number() -> None:
    numbered = set(PARAMETER_NUMBERS)
    for op in OPERATIONS.values():
        # The validators name every key they know in their "unknown parameter" hint.
        issue = VALIDATORS[op.request]({"NoSuchKey": "x"})[-1]
        known = {k.strip() for k in issue.allowed_en.removeprefix("one of:").split(",")}
        assert known <= numbered, known - numbered
    assert len(set(PARAMETER_NUMBERS.values())) == len(PARAMETER_NUMBERS)
    assert all(0 < n <= 9999 for n in PARAMETER_NUMBERS.values())


# --------------------------------------------------------------------------- payment


@pytest.mark.parametrize(
    ("overrides", "expected", "mentions"),
    [
        ({"Amount": "<absent>"}, ("010", "Amount"), "Amount: missing"),
        ({"Amount": ""}, ("015", "Amount"), "Amount"),
        ({"Amount": "12.50"}, ("011", "Amount"), "characters not allowed"),
        ({"Amount": "0"}, ("016", "Amount"), "above 0"),
        ({"Currency": "EURO"}, ("011", "Currency"), "Currency"),
        ({"Currency": "ABC"}, ("016", "Currency"), "value not allowed"),
        ({"OrderDesc": "tea+cake"}, ("011", "OrderDesc"), "forbidden character"),
        ({"terminalType": "TV"}, ("016", "terminalType"), "terminalType"),
        ({"terminalType": "APP"}, ("010", "osType"), "condition not met"),
        ({"Colour": "red"}, ("012", None), "Colour: unknown parameter"),
        ({"URLNotify": "http://shop.example/notify"}, ("016", "URLNotify"), "loopback"),
        ({"URLSuccess": "ftp://127.0.0.1/ok"}, ("016", "URLSuccess"), "http"),
        ({"URLSuccess": "http://127.0.0.1:1/ok?order=1"}, ("016", "URLSuccess"), "parameters"),
        ({"Custom": "no-pairs-here"}, ("016", "Custom"), "Custom"),
        ({"MAC": "A" * 64}, ("001", "MAC"), "MAC: does not match"),
    ],
)
def test_refused_payment_goes_to_url_failure(
    caller: Caller,
    shop: Shop,
    db: Path,
    overrides: dict[str, str],
    expected: tuple[str, str | None],
    mentions: str,
) -> None:
    response = caller.start_payment(payment_params(shop, **overrides))
    url, fields = location_fields(response)
    assert url == shop.url + "failure"
    result = caller.open("alipayplus.payment", fields)
    assert result["Status"] == "FAILED"
    assert result["Code"] == code(*expected)
    assert mentions in result["Description"]
    assert (result["PayID"], result["XID"]) == (NO_ID, NO_ID)
    assert result["TransID"] == "T-1001"
    assert "&" not in result["Description"]
    assert decode_code(result["Code"]).severity == "2"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM payments").fetchone()[0] == 0
    assert shop.notifies == []  # nothing to notify: no payment exists


def test_missing_mac_is_a_missing_parameter(caller: Caller, shop: Shop) -> None:
    response = caller.start_payment(payment_params(shop), mac=False)
    result = caller.open("alipayplus.payment", location_fields(response)[1])
    assert result["Code"] == code("010", "MAC")


def test_every_problem_is_described_and_the_first_one_coded(caller: Caller, shop: Shop) -> None:
    response = caller.start_payment(
        payment_params(shop, Amount="<absent>", Currency="ABC", OrderDesc="a#b")
    )
    result = caller.open("alipayplus.payment", location_fields(response)[1])
    assert result["Code"] == code("010", "Amount")  # table order: Amount before Currency
    for part in ("Amount: missing", "Currency: value not allowed", "OrderDesc: forbidden"):
        assert part in result["Description"]


def test_invalid_values_are_not_echoed(caller: Caller, shop: Shop) -> None:
    response = caller.start_payment(payment_params(shop, Amount="x", UserData="ok-value"))
    result = caller.open("alipayplus.payment", location_fields(response)[1])
    assert result["UserData"] == "ok-value"
    bad = caller.start_payment(payment_params(shop, UserData="\x01ctl"))
    assert "UserData" not in caller.open("alipayplus.payment", location_fields(bad)[1])


def test_plain_result_of_a_refusal_without_response_encrypt(caller: Caller, shop: Shop) -> None:
    response = caller.start_payment(payment_params(shop, Response="<absent>", Amount="0"))
    _, fields = location_fields(response)
    assert fields["Status"] == "FAILED" and fields["Code"] == code("016", "Amount")
    caller.open("alipayplus.payment", fields)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"URLFailure": "<absent>"}, ("010", "URLFailure")),
        ({"URLFailure": "http://shop.example/failure"}, ("016", "URLFailure")),
        ({"URLFailure": "x" * 300}, ("011", "URLFailure")),
    ],
)
def test_without_a_usable_url_failure_the_error_is_a_page(
    caller: Caller, shop: Shop, overrides: dict[str, str], expected: tuple[str, str]
) -> None:
    response = caller.start_payment(payment_params(shop, **overrides))
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert f'<code id="code">{code(*expected)}</code>' in response.text


def _payment_page_error(caller: Caller, form: dict[str, str]) -> str:
    response = http().get(caller.base_url + "alipayplus.aspx", params=form, timeout=10)
    assert response.status_code == 400
    start = response.text.index('<code id="code">') + len('<code id="code">')
    return response.text[start : start + 8]


def test_payment_transport_failures_show_an_error_page(caller: Caller, shop: Shop) -> None:
    form = caller.form("alipayplus.payment", payment_params(shop))
    assert _payment_page_error(caller, {**form, "MerchantID": ""}) == code("010", "MerchantID")
    assert _payment_page_error(caller, {**form, "MerchantID": "Nobody"}) == code(
        "016", "MerchantID"
    )
    assert _payment_page_error(caller, {k: v for k, v in form.items() if k != "Len"}) == code(
        "010", "Len"
    )
    assert _payment_page_error(caller, {**form, "Len": "ten"}) == code("011", "Len")
    assert _payment_page_error(caller, {**form, "Data": "XYZ"}) == code("001", "Data")
    assert _payment_page_error(caller, {**form, "Data": form["Data"][:-2]}) == code("001", "Data")
    wrong_key = Caller(caller.base_url, cipher_key="another-blowfish-key")
    form_other = wrong_key.form("alipayplus.payment", payment_params(shop))
    # Blowfish has no integrity check: a wrong key shows as text that is no key=value pairs.
    assert _payment_page_error(caller, form_other) == code("001", "Data")


def test_a_key_sent_twice_in_data_is_refused(caller: Caller, shop: Shop) -> None:
    params = {"MerchantID": MERCHANT_ID, **payment_params(shop)}
    params["MAC"] = caller.mac("alipayplus.payment", params)
    text = join_pairs(params) + "&Amount=1"
    data, length = caller.cipher.encrypt(text)
    form = {"MerchantID": MERCHANT_ID, "Len": str(length), "Data": data}
    assert _payment_page_error(caller, form) == code("017", "Amount")


def test_encrypted_merchant_id_must_match_the_plain_one(caller: Caller, shop: Shop) -> None:
    other = Caller(caller.base_url, merchant_id="Other")  # same keys, other MerchantID
    form = other.form("alipayplus.payment", payment_params(shop))
    assert _payment_page_error(caller, {**form, "MerchantID": MERCHANT_ID}) == code(
        "016", "MerchantID"
    )


# --------------------------------------------------------------------------- server-to-server


def test_unknown_or_missing_merchant_gets_a_plain_failure(caller: Caller) -> None:
    form = caller.form("alipayplus.inquire", {"PayID": "a" * 32})
    for merchant_id, expected in (
        ("Nobody", code("016", "MerchantID")),
        ("", code("010", "MerchantID")),
    ):
        response = caller.raw("alipayplus.inquire", {**form, "MerchantID": merchant_id})
        assert response.status_code == 200
        fields = dict(parse_qsl(response.text))
        assert fields["Status"] == "FAILED" and fields["Code"] == expected
        assert "Data" not in fields


A32 = "a" * 32
MONEY = {"Amount": "5", "Currency": "EUR"}
CALL = {"PayID": A32, "TransID": "T", **MONEY}


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        ("alipayplus.inquire", {}, ("010", "PayID")),
        ("alipayplus.inquire", {"PayID": "abc"}, ("011", "PayID")),
        ("alipayplus.inquire", {"PayID": A32, "TransID": "T"}, ("012", None)),
        ("alipayplus.credit", {"PayID": A32, **MONEY}, ("010", "TransID")),
        ("alipayplus.credit", {**CALL, "Amount": "-5"}, ("011", "Amount")),
        ("alipayplus.reverse", {**CALL, "Currency": "eur"}, ("016", "Currency")),
        ("alipayplus.reverse", {**CALL, "ReqId": ""}, ("015", "ReqId")),
    ],
)  # fmt: skip
def test_server_to_server_validation(
    caller: Caller, operation: str, params: dict[str, str], expected: tuple[str, str | None]
) -> None:
    result = caller.call(operation, params)
    assert result["Status"] == "FAILED"
    assert result["Code"] == code(*expected)
    assert result["XID"] == NO_ID
    assert result["PayID"] == (params["PayID"] if len(params.get("PayID", "")) == 32 else NO_ID)
    assert result["TransID"] == params.get("TransID", "-")


def test_server_to_server_transport_failures_are_encrypted_answers(caller: Caller) -> None:
    form = caller.form("alipayplus.inquire", {"PayID": "a" * 32})
    for broken, expected in (
        ({**form, "Data": "not-hex"}, code("001", "Data")),
        ({k: v for k, v in form.items() if k != "Data"}, code("010", "Data")),
        ({**form, "Len": "-1"}, code("011", "Len")),
    ):
        response = caller.raw("alipayplus.inquire", broken)
        fields = dict(parse_qsl(response.text))
        assert set(fields) == {"MerchantID", "Len", "Data"}
        result = caller.open("alipayplus.inquire", fields)
        assert (result["Status"], result["Code"]) == ("FAILED", expected)


def test_bad_mac_changes_nothing_and_leaves_the_req_id_free(
    caller: Caller, shop: Shop, db: Path
) -> None:
    paid = pay(caller, shop)
    params = {"PayID": paid["PayID"], "TransID": "T-1001", "Amount": "100", "Currency": "EUR"}
    forged = caller.call("alipayplus.credit", {**params, "ReqId": "c-1", "MAC": "0" * 64})
    assert (forged["Status"], forged["Code"]) == ("FAILED", code("001", "MAC"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM credits").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM req_ids").fetchone()[0] == 0
    honest = caller.call("alipayplus.credit", {**params, "ReqId": "c-1"})
    assert honest["Code"] == SUCCESS


def test_wrong_hmac_key_is_a_mac_failure(caller: Caller, shop: Shop) -> None:
    paid = pay(caller, shop)
    other = Caller(caller.base_url, hmac_key="not-the-key")
    response = other.raw(
        "alipayplus.inquire", other.form("alipayplus.inquire", {"PayID": paid["PayID"]})
    )
    result = caller.open("alipayplus.inquire", dict(parse_qsl(response.text)))
    assert result["Code"] == code("001", "MAC")
