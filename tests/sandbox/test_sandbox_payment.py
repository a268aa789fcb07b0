"""The browser payment over real HTTP: wallet page, notify, redirects, encodings, ReqId."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sandbox_support import (
    MERCHANT_ID,
    Caller,
    Shop,
    WalletPage,
    http,
    location_fields,
    pay,
    payment_params,
)

from generator.sandbox.server import RunningSandbox

HEX32 = re.compile("[0-9a-f]{32}")


def test_pay_notifies_the_shop_then_redirects_to_url_success(
    caller: Caller, shop: Shop, sandbox: RunningSandbox
) -> None:
    wallet = caller.start_payment(payment_params(shop, Amount="1234", Currency="EUR"))
    assert wallet.status_code == 200
    assert wallet.headers["Content-Type"].startswith("text/html")
    page = WalletPage.parse(wallet.text)
    assert page.buttons == ["pay", "decline", "pending"]
    assert HEX32.fullmatch(page.pay_id)
    assert "12.34 EUR" in wallet.text

    # Before the customer acts, the payment waits.
    waiting = caller.call("alipayplus.inquire", {"PayID": page.pay_id})
    assert waiting["Status"] == "AUTHORIZE_REQUEST"
    assert waiting["Code"] != "00000000"

    done = caller.press(wallet, "pay")
    url, fields = location_fields(done)
    assert url == shop.url + "success"
    assert set(fields) == {"MerchantID", "Len", "Data"}  # Response=encrypt
    result = caller.open("alipayplus.payment", fields)
    assert result["Status"] == "OK"
    assert result["Code"] == "00000000"
    assert result["PayID"] == page.pay_id
    assert HEX32.fullmatch(result["XID"]) and result["XID"] != result["PayID"]
    assert result["TransID"] == "T-1001"
    assert result["mid"] == MERCHANT_ID
    assert result["UserData"] == "cart=42"

    # The notify arrived before the browser was sent on, with the same result.
    assert len(shop.notifies) == 1
    notified = caller.open("alipayplus.payment", shop.notify_fields())
    assert {k: notified[k] for k in ("PayID", "Status", "Code")} == {
        "PayID": page.pay_id,
        "Status": "OK",
        "Code": "00000000",
    }

    # The browser follows the redirect to the shop.
    landing = http().get(done.headers["Location"], timeout=10)
    assert landing.status_code == 200
    assert shop.visits[-1][0] == "/success"
    assert shop.visits[-1][2]["Data"] == fields["Data"]

    after = caller.call("alipayplus.inquire", {"PayID": page.pay_id})
    assert (after["Status"], after["Code"], after["TransID"]) == ("OK", "00000000", "T-1001")


def test_decline_goes_to_url_failure_with_an_error_code(caller: Caller, shop: Shop) -> None:
    wallet = caller.start_payment(payment_params(shop))
    url, fields = location_fields(caller.press(wallet, "decline"))
    assert url == shop.url + "failure"
    result = caller.open("alipayplus.payment", fields)
    assert result["Status"] == "FAILED"
    assert re.fullmatch("2[0-9A-Z]{7}", result["Code"])
    assert caller.open("alipayplus.payment", shop.notify_fields())["Status"] == "FAILED"
    inquired = caller.call("alipayplus.inquire", {"PayID": result["PayID"]})
    assert (inquired["Status"], inquired["Code"]) == ("FAILED", result["Code"])


def test_pending_then_pay_later_sends_two_notifies(caller: Caller, shop: Shop) -> None:
    wallet = caller.start_payment(payment_params(shop))
    url, fields = location_fields(caller.press(wallet, "pending"))
    assert url == shop.url + "success"  # AUTHORIZE_REQUEST goes to URLSuccess
    pending = caller.open("alipayplus.payment", fields)
    assert pending["Status"] == "AUTHORIZE_REQUEST"
    assert pending["Code"] != "00000000"
    assert caller.call("alipayplus.inquire", {"PayID": pending["PayID"]})["Status"] == (
        "AUTHORIZE_REQUEST"
    )

    # The wallet page is still there; the customer confirms later.
    again = http().get(
        caller.base_url + f"_sandbox/wallet/{pending['PayID']}", timeout=10, allow_redirects=False
    )
    assert again.status_code == 200
    paid = caller.open("alipayplus.payment", location_fields(caller.press(again, "pay"))[1])
    assert (paid["PayID"], paid["Status"]) == (pending["PayID"], "OK")
    statuses = [caller.open("alipayplus.payment", shop.notify_fields(i))["Status"] for i in (0, 1)]
    assert statuses == ["AUTHORIZE_REQUEST", "OK"]


def test_a_second_press_changes_nothing_and_sends_no_second_notify(
    caller: Caller, shop: Shop
) -> None:
    wallet = caller.start_payment(payment_params(shop))
    first = caller.open("alipayplus.payment", location_fields(caller.press(wallet, "pay"))[1])
    url, fields = location_fields(caller.press(wallet, "decline"))
    second = caller.open("alipayplus.payment", fields)
    assert url == shop.url + "success"
    assert (second["PayID"], second["Status"], second["Code"]) == (
        first["PayID"],
        "OK",
        "00000000",
    )
    assert len(shop.notifies) == 1


def test_without_response_encrypt_the_result_is_plain_and_signed(
    caller: Caller, shop: Shop
) -> None:
    wallet = caller.start_payment(payment_params(shop, Response="<absent>"))
    _, fields = location_fields(caller.press(wallet, "pay"))
    assert "Data" not in fields
    assert fields["mid"] == MERCHANT_ID and fields["Status"] == "OK"
    caller.open("alipayplus.payment", fields)  # checks the MAC
    notified = dict(shop.notify_fields())
    assert notified["PayID"] == fields["PayID"] and "Data" not in notified


def test_plain_and_custom_travel_unencrypted_beside_data(caller: Caller, shop: Shop) -> None:
    wallet = caller.start_payment(payment_params(shop, Plain="shop-7", Custom="session=123|id=456"))
    _, fields = location_fields(caller.press(wallet, "pay"))
    assert fields["Plain"] == "shop-7"
    assert (fields["session"], fields["id"]) == ("123", "456")
    inside = caller.open("alipayplus.payment", {"MerchantID": MERCHANT_ID, **fields})
    assert inside["Status"] == "OK"


def test_post_works_like_get(caller: Caller, shop: Shop) -> None:
    form = caller.form("alipayplus.payment", payment_params(shop))
    wallet = http().post(caller.base_url + "alipayplus.aspx", data=form, timeout=10)
    assert wallet.status_code == 200
    assert WalletPage.parse(wallet.text).buttons == ["pay", "decline", "pending"]


def test_repeated_req_id_returns_the_original_payment(caller: Caller, shop: Shop, db: Path) -> None:
    params = payment_params(shop, ReqId="pay-req-1")
    first = pay(caller, shop, ReqId="pay-req-1")
    replay = caller.start_payment(params)
    url, fields = location_fields(replay)
    again = caller.open("alipayplus.payment", fields)
    assert url == shop.url + "success"
    assert (again["PayID"], again["Status"]) == (first["PayID"], "OK")
    assert len(shop.notifies) == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM payments").fetchone()[0] == 1


def test_repeated_req_id_of_a_waiting_payment_shows_its_wallet_again(
    caller: Caller, shop: Shop
) -> None:
    params = payment_params(shop, ReqId="pay-req-2")
    first = WalletPage.parse(caller.start_payment(params).text)
    second = WalletPage.parse(caller.start_payment(params).text)
    assert second.pay_id == first.pay_id


def test_wallet_page_escapes_what_the_shop_sent(caller: Caller, shop: Shop) -> None:
    wallet = caller.start_payment(
        payment_params(shop, OrderDesc="<script>alert(1)</script> \"q\" 'x'")
    )
    assert "<script>" not in wallet.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in wallet.text


def test_wallet_of_an_unknown_payment_and_unknown_actions(caller: Caller, shop: Shop) -> None:
    missing = http().post(
        caller.base_url + "_sandbox/wallet/" + "f" * 32, data={"action": "pay"}, timeout=10
    )
    assert missing.status_code == 404
    wallet = caller.start_payment(payment_params(shop))
    pay_id = WalletPage.parse(wallet.text).pay_id
    odd = http().post(
        caller.base_url + f"_sandbox/wallet/{pay_id}", data={"action": "steal"}, timeout=10
    )
    assert odd.status_code == 400
    assert "steal" in odd.text and "pay, decline, pending" in odd.text
    assert caller.call("alipayplus.inquire", {"PayID": pay_id})["Status"] == "AUTHORIZE_REQUEST"


def test_redirect_keeps_the_shop_urls_exactly(caller: Caller, shop: Shop) -> None:
    wallet = caller.start_payment(payment_params(shop, URLSuccess=shop.url + "thanks/page"))
    location = caller.press(wallet, "pay").headers["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == shop.url + "thanks/page"
    assert {k for k, _ in parse_qsl(parts.query)} == {"MerchantID", "Len", "Data"}
