"""Fault injection (admin endpoint and per app) and notify retries."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from paygate import SUCCESS
from sandbox_support import Caller, Shop, http, pay, payment_params, wait_for

from generator.sandbox.server import Fault, NotifyPolicy, RunningSandbox


def set_faults(sandbox: RunningSandbox, *faults: dict[str, object]) -> requests.Response:
    return http().post(sandbox.url + "_sandbox/faults", json={"faults": list(faults)}, timeout=10)


def credit_params(pay_id: str, amount: str = "100", **kw: str) -> dict[str, str]:
    return {"PayID": pay_id, "TransID": "T-1001", "Amount": amount, "Currency": "EUR", **kw}


def credits(db: Path) -> list[tuple[int, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT amount, req_id FROM credits ORDER BY id").fetchall()


def test_status_fault_answers_5xx_n_times_then_normally(
    sandbox: RunningSandbox, caller: Caller, shop: Shop, db: Path
) -> None:
    pay_id = pay(caller, shop)["PayID"]
    listed = set_faults(sandbox, {"kind": "status", "endpoint": "credit.aspx", "times": 2})
    assert listed.status_code == 200
    assert listed.json()["faults"][0]["status"] == 503
    form = caller.form("alipayplus.credit", credit_params(pay_id, ReqId="c-1"))
    statuses = [caller.raw("alipayplus.credit", form).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert credits(db) == [(100, "c-1")]  # the refused calls did nothing
    # Other endpoints were never affected.
    assert caller.call("alipayplus.inquire", {"PayID": pay_id})["Status"] == "OK"


def test_drop_fault_commits_then_closes_without_an_answer(
    sandbox: RunningSandbox, caller: Caller, shop: Shop, db: Path
) -> None:
    pay_id = pay(caller, shop)["PayID"]
    set_faults(sandbox, {"kind": "drop", "endpoint": "credit.aspx"})
    form = caller.form("alipayplus.credit", credit_params(pay_id, ReqId="dropped-1"))
    with pytest.raises(requests.ConnectionError):
        caller.raw("alipayplus.credit", form)
    assert credits(db) == [(100, "dropped-1")]  # committed before the drop
    # The retry with the same ReqId gets the stored answer and credits nothing more.
    retried = caller.call("alipayplus.credit", credit_params(pay_id, ReqId="dropped-1"))
    assert (retried["Status"], retried["Code"]) == ("OK", SUCCESS)
    assert "100 of 1000" in retried["Description"]
    assert credits(db) == [(100, "dropped-1")]


def test_drop_fault_at_socket_level_sends_no_bytes(
    sandbox: RunningSandbox, caller: Caller, shop: Shop
) -> None:
    pay_id = pay(caller, shop)["PayID"]
    set_faults(sandbox, {"kind": "drop", "endpoint": "inquire.aspx"})
    form = caller.form("alipayplus.inquire", {"PayID": pay_id})
    body = "&".join(f"{k}={v}" for k, v in form.items()).encode()
    host, port = sandbox.server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /inquire.aspx HTTP/1.1\r\nHost: sandbox\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    assert received == b""


def test_delay_fault_sleeps_after_acting(
    sandbox: RunningSandbox, caller: Caller, shop: Shop, db: Path
) -> None:
    pay_id = pay(caller, shop)["PayID"]
    set_faults(sandbox, {"kind": "delay", "endpoint": "credit.aspx", "delay_ms": 400})
    form = caller.form("alipayplus.credit", credit_params(pay_id, ReqId="slow-1"))
    with pytest.raises(requests.ReadTimeout):
        caller.session.post(sandbox.url + "credit.aspx", data=form, timeout=(2, 0.15))
    assert credits(db) == [(100, "slow-1")]  # acted before the delay
    wait_for(
        lambda: http().get(sandbox.url + "_sandbox/faults", timeout=5).json() == {"faults": []}
    )
    started = time.monotonic()
    caller.call("alipayplus.inquire", {"PayID": pay_id})
    assert time.monotonic() - started < 0.4  # the fault was used up


def test_wildcard_faults_and_times(sandbox: RunningSandbox, caller: Caller) -> None:
    set_faults(sandbox, {"kind": "status", "endpoint": "*", "times": 2, "status": 500})
    assert caller.raw("alipayplus.inquire", {"MerchantID": "x"}).status_code == 500
    assert http().get(sandbox.url + "alipayplus.aspx", timeout=5).status_code == 500
    assert caller.raw("alipayplus.inquire", {"MerchantID": "x"}).status_code == 200
    # Admin endpoints are never faulted.
    set_faults(sandbox, {"kind": "status", "endpoint": "*"})
    assert http().get(sandbox.url + "_sandbox/health", timeout=5).text == "ok\n"


def test_faults_admin_endpoint_lists_replaces_and_clears(sandbox: RunningSandbox) -> None:
    url = sandbox.url + "_sandbox/faults"
    set_faults(sandbox, {"kind": "delay", "delay_ms": 5, "times": 3})
    assert http().get(url, timeout=5).json() == {
        "faults": [{"kind": "delay", "endpoint": "*", "times": 3, "status": 503, "delay_ms": 5}]
    }
    set_faults(sandbox, {"kind": "drop", "endpoint": "reverse.aspx"})
    assert [f["kind"] for f in http().get(url, timeout=5).json()["faults"]] == ["drop"]
    assert http().delete(url, timeout=5).json() == {"faults": []}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"faults": [{"kind": "explode"}]}, "faults[0].kind: 'explode' not allowed; allowed: drop"),
        ({"faults": [{"kind": "drop", "endpoint": "x.aspx"}]}, "faults[0].endpoint: 'x.aspx'"),
        ({"faults": [{"kind": "status", "status": 404}]}, "status: 404 not allowed; allowed: 500"),
        ({"faults": [{"kind": "drop", "times": 0}]}, "times: 0 not allowed"),
        ({"faults": [{"kind": "drop", "when": 1}]}, "faults[0]: unknown key 'when'"),
        ({"faults": [{}]}, "faults[0].kind: missing"),
        ({"faults": "drop"}, '{"faults": [{"kind"'),
    ],
)
def test_faults_admin_endpoint_explains_bad_input(
    sandbox: RunningSandbox, body: object, message: str
) -> None:
    response = http().post(sandbox.url + "_sandbox/faults", json=body, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["error"]
    broken = http().post(sandbox.url + "_sandbox/faults", data="{not json", timeout=5)
    assert broken.status_code == 400 and "error" in broken.json()


def test_faults_configured_per_app(
    start_sandbox: Callable[..., RunningSandbox], shop: Shop, db: Path
) -> None:
    sandbox = start_sandbox(faults=[Fault("status", "inquire.aspx", times=1, status=502)])
    caller = Caller(sandbox.url)
    pay_id = pay(caller, shop)["PayID"]
    form = caller.form("alipayplus.inquire", {"PayID": pay_id})
    assert [caller.raw("alipayplus.inquire", form).status_code for _ in range(2)] == [502, 200]
    with pytest.raises(ValueError, match="kind: 'boom' not allowed"):
        Fault("boom")


# --------------------------------------------------------------------------- notify retries


def test_notify_is_retried_until_the_shop_answers_2xx(caller: Caller, shop: Shop, db: Path) -> None:
    shop.fail_first = 2
    paid = pay(caller, shop)  # the browser is not held up by the failing notify
    wait_for(lambda: len(shop.notifies) == 1, what="the third notify attempt")
    assert shop.notify_calls == 3
    assert caller.open("alipayplus.payment", shop.notify_fields())["PayID"] == paid["PayID"]
    with sqlite3.connect(db) as conn:
        wait_for(
            lambda: conn.execute("SELECT state FROM notify_deliveries").fetchone()[0] == "delivered"
        )
        assert conn.execute(
            "SELECT attempt, http_status FROM notify_attempts ORDER BY attempt"
        ).fetchall() == [(1, 500), (2, 500), (3, 200)]
        assert conn.execute("SELECT attempts, last_status FROM notify_deliveries").fetchone() == (
            3,
            200,
        )


def test_notify_gives_up_after_the_last_attempt(
    start_sandbox: Callable[..., RunningSandbox], shop: Shop, db: Path
) -> None:
    policy = NotifyPolicy(max_attempts=3, backoff_s=0.02, timeout_s=1.0, poll_s=0.01)
    sandbox = start_sandbox(notify=policy)
    shop.fail_first = 100
    pay(Caller(sandbox.url), shop)
    with sqlite3.connect(db) as conn:
        wait_for(
            lambda: conn.execute("SELECT state FROM notify_deliveries").fetchone()[0] == "failed",
            what="the delivery to fail",
        )
        assert conn.execute("SELECT COUNT(*) FROM notify_attempts").fetchone()[0] == 3
    time.sleep(0.1)
    assert shop.notify_calls == 3  # and no more


def test_notify_to_a_closed_port_is_recorded_and_retried(
    caller: Caller, shop: Shop, db: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens once the socket is closed
    params = payment_params(shop, URLNotify=f"http://127.0.0.1:{closed}/notify")
    wallet = caller.start_payment(params)
    assert caller.press(wallet, "pay").status_code == 303
    with sqlite3.connect(db) as conn:
        wait_for(
            lambda: conn.execute("SELECT COUNT(*) FROM notify_attempts").fetchone()[0] >= 2,
            what="a retry",
        )
        errors = {r[0] for r in conn.execute("SELECT error FROM notify_attempts")}
    assert errors == {"ConnectionError"}
