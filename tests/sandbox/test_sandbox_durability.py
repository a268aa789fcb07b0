"""What the sandbox's SQLite file promises: nothing answered is lost, nothing is doubled.

See ``generator/sandbox/store.py`` for the promise: every answer follows its
commit, so a process killed at any moment (``kill -9``) keeps every answered
call; a repeated ReqId gets its first answer and acts no second time.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from paygate import SUCCESS
from sandbox_support import MERCHANT_ID, Caller, Shop, pay, start_cli, wait_for

from generator.sandbox.server import RunningSandbox
from generator.sandbox.store import SCHEMA_VERSION, Payment, Store

THREADS = 4
#: Credits answered before the kill; the threads go on sending until it.
KILL_AFTER = 120
PAYMENT_AMOUNT = 1_000_000


def _credit(pay_id: str, req_id: str, amount: str) -> dict[str, str]:
    return {
        "PayID": pay_id,
        "TransID": "T-1001",
        "Amount": amount,
        "Currency": "EUR",
        "ReqId": req_id,
    }


def _applied(db: Path, pay_id: str) -> tuple[list[tuple[str, int]], int]:
    """The credits rows (ReqId, amount) of a payment, and its running total."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT req_id, amount FROM credits WHERE pay_id = ?", (pay_id,)
        ).fetchall()
        credited = conn.execute(
            "SELECT credited FROM payments WHERE pay_id = ?", (pay_id,)
        ).fetchone()[0]
    conn.close()
    return rows, credited


def test_a_kill_mid_load_loses_no_answered_credit_and_doubles_none(
    tmp_path: Path, shop: Shop, start_sandbox: Callable[..., RunningSandbox]
) -> None:
    db = tmp_path / "killed.db"
    proc, url, _ = start_cli(db)
    sent: dict[str, str] = {}  # ReqId -> Amount, noted before the call goes out
    answered: dict[str, dict[str, str]] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()
    killed = threading.Event()
    try:
        pay_id = pay(Caller(url), shop, Amount=str(PAYMENT_AMOUNT))["PayID"]

        def worker(index: int) -> None:
            own = Caller(url)
            rng = random.Random(index)
            n = 0
            while not killed.is_set():
                req_id, amount = f"kill-{index}-{n}", str(rng.randint(1, 1000))
                with lock:
                    sent[req_id] = amount
                try:
                    result = own.call("alipayplus.credit", _credit(pay_id, req_id, amount))
                except BaseException as exc:  # the kill cuts calls off; anything before is a bug
                    if not killed.is_set():
                        failures.append(exc)
                    return
                with lock:
                    answered[req_id] = result
                n += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: len(answered) >= KILL_AFTER or bool(failures), 60, "credits")
        finally:
            killed.set()
            proc.kill()  # SIGKILL while calls are in flight: no shutdown, no checkpoint
        for t in threads:
            t.join(timeout=30)
    finally:
        proc.kill()
        proc.communicate(timeout=20)
    assert not failures, failures
    assert all(not t.is_alive() for t in threads)
    assert len(answered) >= KILL_AFTER
    assert all(result["Code"] == SUCCESS for result in answered.values())

    again = Caller(start_sandbox(db=db).url)
    rows, credited = _applied(db, pay_id)
    applied = dict(rows)
    assert len(applied) == len(rows), "a ReqId applied twice"
    assert set(applied) <= set(sent), "a credit nobody sent"
    lost = [r for r in answered if applied.get(r) != int(sent[r])]
    assert lost == [], "answered credits missing after the kill"
    assert credited == sum(applied.values())

    # An answered ReqId gets its first answer again and credits nothing more.
    for req_id, first in answered.items():
        assert again.call("alipayplus.credit", _credit(pay_id, req_id, sent[req_id])) == first
    # A call the kill cut off is applied once, whether or not it got in before the kill.
    cut_off = sorted(set(sent) - set(answered))
    for req_id in cut_off:
        replay = again.call("alipayplus.credit", _credit(pay_id, req_id, sent[req_id]))
        assert replay["Code"] == SUCCESS, replay
    rows, credited = _applied(db, pay_id)
    assert sorted(r for r, _ in rows) == sorted(sent)
    assert dict(rows) == {r: int(a) for r, a in sent.items()}
    assert credited == sum(int(a) for a in sent.values())
    inquired = again.call("alipayplus.inquire", {"PayID": pay_id})
    assert f"; {credited} of {PAYMENT_AMOUNT} credited" in inquired["Description"]
    print(f"\nkilled after {len(answered)} answered credits, {len(cut_off)} cut off")


def test_commits_reach_the_database_file_while_the_sandbox_runs(
    sandbox: RunningSandbox, caller: Caller, shop: Shop, db: Path
) -> None:
    """Checkpoints copy the WAL into the database file in the background."""
    paid = pay(caller, shop)
    credit = caller.call("alipayplus.credit", _credit(paid["PayID"], "checkpointed", "70"))
    assert credit["Code"] == SUCCESS

    def in_the_file() -> bool:
        # immutable=1 reads the database file alone, without the WAL.
        try:
            conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
            try:
                row = conn.execute(
                    "SELECT amount FROM credits WHERE req_id = 'checkpointed'"
                ).fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError:  # no table yet, or a page caught mid-write
            return False
        return bool(row == (70,))

    wait_for(in_the_file, 15, "the credit checkpointed into the database file")


# Version 1 of the schema, as far as the upgrade touches it.
_V1_TABLES = """
CREATE TABLE payments (
    pay_id        TEXT PRIMARY KEY,
    xid           TEXT NOT NULL UNIQUE,
    merchant_id   TEXT NOT NULL,
    trans_id      TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount > 0),
    currency      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('AUTHORIZE_REQUEST', 'OK', 'FAILED')),
    code          TEXT NOT NULL,
    description   TEXT NOT NULL,
    request       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    authorised_at TEXT,
    reversed_at   TEXT
);
CREATE TABLE credits (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pay_id      TEXT NOT NULL REFERENCES payments (pay_id),
    merchant_id TEXT NOT NULL,
    trans_id    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    req_id      TEXT,
    created_at  TEXT NOT NULL
);
PRAGMA user_version = 1;
"""


def test_a_version_1_database_is_upgraded_with_its_credit_totals(
    start_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    db = tmp_path / "v1.db"
    pay_id, other = "a" * 32, "b" * 32
    conn = sqlite3.connect(db)
    conn.executescript(_V1_TABLES)
    for pid, xid in ((pay_id, "c" * 32), (other, "d" * 32)):
        conn.execute(
            "INSERT INTO payments VALUES (?, ?, ?, 'T-1', 1000, 'EUR', 'OK', '00000000',"
            " 'Payment authorised in the wallet', '{}', '2026-03-10T10:00:00+00:00',"
            " '2026-03-10T10:00:00+00:00', NULL)",
            (pid, xid, MERCHANT_ID),
        )
    for amount in (300, 200):
        conn.execute(
            "INSERT INTO credits (pay_id, merchant_id, trans_id, amount, req_id, created_at)"
            " VALUES (?, ?, 'T-1', ?, NULL, '2026-03-10T11:00:00+00:00')",
            (pay_id, MERCHANT_ID, amount),
        )
    conn.commit()
    conn.close()

    caller = Caller(start_sandbox(db=db).url)
    inquired = caller.call("alipayplus.inquire", {"PayID": pay_id})
    assert inquired["Description"].endswith("; 500 of 1000 credited")
    assert "credited" not in caller.call("alipayplus.inquire", {"PayID": other})["Description"]
    refused = caller.call("alipayplus.credit", _credit(pay_id, "after-upgrade-1", "501"))
    assert refused["Status"] == "FAILED" and "500 of 1000 left" in refused["Description"]
    done = caller.call("alipayplus.credit", _credit(pay_id, "after-upgrade-2", "500"))
    assert done["Code"] == SUCCESS
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        totals = dict(conn.execute("SELECT pay_id, credited FROM payments").fetchall())
    conn.close()
    assert totals == {pay_id: 1000, other: 0}


def test_the_database_refuses_credits_above_the_payment(tmp_path: Path) -> None:
    """A backstop under the credit rule: the running total has a CHECK of its own."""
    store = Store(tmp_path / "check.db")
    try:
        now = "2026-03-10T10:00:00+00:00"
        payment = Payment(
            "a" * 32,
            "b" * 32,
            MERCHANT_ID,
            "T-1",
            1000,
            "EUR",
            "OK",
            SUCCESS,
            "ok",
            {},
            now,
            now,
            None,
        )
        with store.transaction() as conn:
            Store.insert_payment(conn, payment)
            Store.insert_action(conn, "credits", payment.pay_id, MERCHANT_ID, "T-1", 600, "r1", now)
        refused = pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed")
        with refused, store.transaction() as conn:
            Store.insert_action(conn, "credits", payment.pay_id, MERCHANT_ID, "T-1", 401, "r2", now)
        with store.connect() as conn:
            stored = Store.payment(conn, payment.pay_id)
            rows = conn.execute("SELECT req_id FROM credits").fetchall()
        assert stored is not None and stored.credited == 600
        assert [tuple(r) for r in rows] == [("r1",)]  # the refused one was rolled back
    finally:
        store.close()
