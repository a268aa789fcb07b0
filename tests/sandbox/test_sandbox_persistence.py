"""A restart loses nothing: a new server on the same SQLite file carries on."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from paygate import SUCCESS
from sandbox_support import Caller, Shop, pay, wait_for

from generator.sandbox.server import Merchant, NotifyPolicy, RunningSandbox, SandboxError, make_app
from generator.sandbox.store import SCHEMA_VERSION


def test_state_survives_a_restart(
    start_sandbox: Callable[..., RunningSandbox], shop: Shop, db: Path
) -> None:
    first = start_sandbox()
    caller = Caller(first.url)
    paid = pay(caller, shop)
    waiting = pay(caller, shop, "pending")
    credited = caller.call(
        "alipayplus.credit",
        {
            "PayID": paid["PayID"],
            "TransID": "T-1001",
            "Amount": "250",
            "Currency": "EUR",
            "ReqId": "before-restart",
        },
    )
    assert credited["Code"] == SUCCESS
    first.stop()

    second = start_sandbox()
    again = Caller(second.url)
    inquired = again.call("alipayplus.inquire", {"PayID": paid["PayID"]})
    assert (inquired["Status"], inquired["XID"]) == ("OK", paid["XID"])
    assert "250 of 1000 credited" in inquired["Description"]
    assert again.call("alipayplus.inquire", {"PayID": waiting["PayID"]})["Status"] == (
        "AUTHORIZE_REQUEST"
    )
    # The ReqId is remembered: the replay gets the first answer and credits nothing.
    replay = again.call(
        "alipayplus.credit",
        {
            "PayID": paid["PayID"],
            "TransID": "T-1001",
            "Amount": "250",
            "Currency": "EUR",
            "ReqId": "before-restart",
        },
    )
    assert replay == credited
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT SUM(amount) FROM credits").fetchone()[0] == 250
    # The waiting payment can still be paid in its wallet after the restart.
    wallet = again.session.get(f"{second.url}_sandbox/wallet/{waiting['PayID']}", timeout=10)
    assert wallet.status_code == 200
    assert again.press(wallet, "pay").status_code == 303
    assert again.call("alipayplus.inquire", {"PayID": waiting["PayID"]})["Status"] == "OK"


def test_notify_retries_resume_after_a_restart(
    start_sandbox: Callable[..., RunningSandbox], shop: Shop, db: Path
) -> None:
    shop.fail_first = 1
    slow = NotifyPolicy(max_attempts=3, backoff_s=0.3, timeout_s=2.0, poll_s=0.02)
    first = start_sandbox(notify=slow)
    paid = pay(Caller(first.url), shop)
    first.stop()  # the failed first attempt is recorded; the retry is due in 0.3 s
    assert shop.notifies == []
    start_sandbox(notify=slow)
    wait_for(lambda: len(shop.notifies) == 1, what="the retried notify")
    assert (
        Caller(first.url).open("alipayplus.payment", shop.notify_fields())["PayID"]
        == (paid["PayID"])
    )
    with sqlite3.connect(db) as conn:
        wait_for(
            lambda: (
                conn.execute("SELECT state FROM notify_deliveries").fetchone()[0] == "delivered"
            ),
            what="the delivery marked delivered",
        )
        attempts = conn.execute(
            "SELECT attempt, http_status FROM notify_attempts ORDER BY attempt"
        ).fetchall()
    assert attempts == [(1, 500), (2, 200)]


def test_a_database_of_another_schema_version_is_refused(
    tmp_path: Path, merchant: Merchant
) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(SandboxError, match="schema version"):
        make_app(merchant, path)
