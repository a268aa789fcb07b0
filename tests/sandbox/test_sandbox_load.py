"""Load: many threads credit one payment at once; the total and the ReqIds must hold.

8 threads x 25 credits of random amounts. Threads i and i+4 send the same
ReqIds with the same amounts at about the same moment, so every ReqId is raced
by two requests. Afterwards the SQLite tables must show a credited total within
the payment's amount (and equal to the payment's running total), every ReqId
applied at most once, and both requests of a ReqId must have received the same
answer.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path

from paygate import SUCCESS
from sandbox_support import Caller, Shop, pay

from generator.sandbox.server import RunningSandbox

THREADS = 8
CREDITS_PER_THREAD = 25
PAYMENT_AMOUNT = 50_000


def test_concurrent_credits_never_exceed_the_payment(
    sandbox: RunningSandbox, caller: Caller, shop: Shop, db: Path
) -> None:
    pay_id = pay(caller, shop, Amount=str(PAYMENT_AMOUNT))["PayID"]
    rng = random.Random(20260310)
    # One plan per ReqId family; threads i and i + 4 share the family i % 4.
    families = THREADS // 2
    plans = [
        [(f"load-{f}-{n}", str(rng.randint(1, 1_500))) for n in range(CREDITS_PER_THREAD)]
        for f in range(families)
    ]
    answers: dict[str, list[tuple[str, str, str]]] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def worker(index: int) -> None:
        own = Caller(sandbox.url)
        try:
            barrier.wait(timeout=10)
            for req_id, amount in plans[index % families]:
                result = own.call(
                    "alipayplus.credit",
                    {
                        "PayID": pay_id,
                        "TransID": "T-1001",
                        "Amount": amount,
                        "Currency": "EUR",
                        "ReqId": req_id,
                    },
                )
                with lock:
                    answers.setdefault(req_id, []).append(
                        (result["Status"], result["Code"], result["Description"])
                    )
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.monotonic() - started
    assert not failures, failures
    assert all(not t.is_alive() for t in threads)

    requests_sent = THREADS * CREDITS_PER_THREAD
    assert sum(len(a) for a in answers.values()) == requests_sent
    # Both requests of a ReqId got the same answer.
    for req_id, got in answers.items():
        assert len(got) == 2 and got[0] == got[1], (req_id, got)

    with sqlite3.connect(db) as conn:
        total = conn.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM credits WHERE pay_id = ?", (pay_id,)
        ).fetchone()[0]
        doubled = conn.execute(
            "SELECT req_id, COUNT(*) FROM credits GROUP BY req_id HAVING COUNT(*) > 1"
        ).fetchall()
        applied = dict(conn.execute("SELECT req_id, amount FROM credits").fetchall())
        stored = conn.execute(
            "SELECT COUNT(*) FROM req_ids WHERE operation = 'alipayplus.credit'"
        ).fetchone()[0]
        running_total = conn.execute(
            "SELECT credited FROM payments WHERE pay_id = ?", (pay_id,)
        ).fetchone()[0]
    conn.close()
    assert total <= PAYMENT_AMOUNT
    assert running_total == total  # the payment's running total, kept by a trigger
    assert doubled == []
    ok = {req_id for req_id, got in answers.items() if got[0][1] == SUCCESS}
    assert set(applied) == ok  # every success is one row, every row a success
    amounts = {req_id: int(amount) for plan in plans for req_id, amount in plan}
    assert total == sum(amounts[r] for r in ok)
    assert stored == len(answers)
    # The plan asks for more than the payment holds, so the limit was really tested.
    assert sum(amounts.values()) > PAYMENT_AMOUNT
    assert any(got[0][0] == "FAILED" for got in answers.values())
    print(
        f"\n{requests_sent} credit calls from {THREADS} threads in {elapsed:.2f}s "
        f"({requests_sent / elapsed:.0f}/s); credited {total} of {PAYMENT_AMOUNT} "
        f"with {len(ok)} of {len(answers)} ReqIds"
    )
