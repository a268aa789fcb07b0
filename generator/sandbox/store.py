"""The sandbox's state in SQLite: payments, credits, reversals, ReqIds, notify deliveries.

Every request opens its own connection (SQLite connections are not shared
between threads). Changes that must not interleave, such as "credits never
total more than the payment", run in ``BEGIN IMMEDIATE`` transactions: SQLite
lets one writer in at a time, so the check and the insert see the same state.
The journal is WAL, so readers do not wait for the writer. ``synchronous=NORMAL``
keeps every committed change across a stop, a restart or a crash of the
sandbox; only a crash of the operating system may lose the last commits (a
fair price for a test server: a commit costs about 1 ms instead of an fsync).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

__all__ = ["SCHEMA_VERSION", "Payment", "Store"]

SCHEMA_VERSION: Final = 1

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS payments (
    pay_id        TEXT PRIMARY KEY,
    xid           TEXT NOT NULL UNIQUE,
    merchant_id   TEXT NOT NULL,
    trans_id      TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount > 0),
    currency      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('AUTHORIZE_REQUEST', 'OK', 'FAILED')),
    code          TEXT NOT NULL,
    description   TEXT NOT NULL,
    request       TEXT NOT NULL,  -- the decrypted request as JSON (URLs, echoed values)
    created_at    TEXT NOT NULL,  -- ISO 8601, UTC
    authorised_at TEXT,
    reversed_at   TEXT
);
CREATE TABLE IF NOT EXISTS credits (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pay_id      TEXT NOT NULL REFERENCES payments (pay_id),
    merchant_id TEXT NOT NULL,
    trans_id    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    req_id      TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS credits_pay_id ON credits (pay_id);
-- A second line for one ReqId would be a credit applied twice.
CREATE UNIQUE INDEX IF NOT EXISTS credits_req_id ON credits (merchant_id, req_id)
    WHERE req_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS reversals (
    pay_id      TEXT PRIMARY KEY REFERENCES payments (pay_id),
    merchant_id TEXT NOT NULL,
    trans_id    TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    req_id      TEXT,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS req_ids (
    merchant_id TEXT NOT NULL,
    req_id      TEXT NOT NULL,
    operation   TEXT NOT NULL,
    pay_id      TEXT,
    result      TEXT,  -- the result's parameters as JSON; NULL for payments (see payments)
    created_at  TEXT NOT NULL,
    PRIMARY KEY (merchant_id, req_id)
);
CREATE TABLE IF NOT EXISTS notify_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    pay_id          TEXT NOT NULL,
    url             TEXT NOT NULL,
    body            TEXT NOT NULL,  -- form-encoded, as posted
    state           TEXT NOT NULL CHECK (state IN ('sending', 'pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,  -- Unix time
    created_at      TEXT NOT NULL,
    delivered_at    TEXT,
    last_status     INTEGER,
    last_error      TEXT
);
CREATE INDEX IF NOT EXISTS notify_due ON notify_deliveries (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS notify_attempts (
    delivery_id INTEGER NOT NULL REFERENCES notify_deliveries (id),
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    http_status INTEGER,
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
"""


@dataclass(frozen=True)
class Payment:
    """One row of ``payments``."""

    pay_id: str
    xid: str
    merchant_id: str
    trans_id: str
    amount: int
    currency: str
    status: str
    code: str
    description: str
    request: Mapping[str, str]
    created_at: str
    authorised_at: str | None
    reversed_at: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Payment:
        values = dict(row)
        values["request"] = json.loads(values["request"])
        return cls(**values)


class Store:
    """The SQLite file of one sandbox; safe to use from many threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise ValueError(
                    f"{self.path}: sandbox database schema version {version}; "
                    f"this sandbox reads version {SCHEMA_VERSION} (use a new --db file)"
                )
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        # SQLite checkpoints the WAL and fsyncs when the last connection to a file
        # closes; this idle connection stays open so that closing a request's
        # connection stays cheap (about 20 ms less per request here).
        self._keeper: sqlite3.Connection | None = sqlite3.connect(
            self.path, check_same_thread=False
        )

    def close(self) -> None:
        """Close the idle connection (the WAL is checkpointed into the file)."""
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection in autocommit mode, closed on exit."""
        # isolation_level=None: the module opens no transactions of its own, so
        # BEGIN IMMEDIATE below is the only one. timeout: wait for the writer lock.
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (``BEGIN IMMEDIATE``): committed or rolled back."""
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- reads and writes inside a caller's transaction ------------------------------

    @staticmethod
    def payment(conn: sqlite3.Connection, pay_id: str) -> Payment | None:
        row = conn.execute("SELECT * FROM payments WHERE pay_id = ?", (pay_id,)).fetchone()
        return Payment.from_row(row) if row is not None else None

    @staticmethod
    def insert_payment(conn: sqlite3.Connection, p: Payment) -> None:
        conn.execute(
            "INSERT INTO payments (pay_id, xid, merchant_id, trans_id, amount, currency, status,"
            " code, description, request, created_at, authorised_at, reversed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                p.pay_id,
                p.xid,
                p.merchant_id,
                p.trans_id,
                p.amount,
                p.currency,
                p.status,
                p.code,
                p.description,
                json.dumps(dict(p.request), ensure_ascii=False),
                p.created_at,
                p.authorised_at,
                p.reversed_at,
            ),
        )

    @staticmethod
    def set_payment_status(
        conn: sqlite3.Connection,
        pay_id: str,
        status: str,
        code: str,
        description: str,
        authorised_at: str | None,
    ) -> None:
        conn.execute(
            "UPDATE payments SET status = ?, code = ?, description = ?, authorised_at = ?"
            " WHERE pay_id = ?",
            (status, code, description, authorised_at, pay_id),
        )

    @staticmethod
    def credited_total(conn: sqlite3.Connection, pay_id: str) -> int:
        row = conn.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM credits WHERE pay_id = ?", (pay_id,)
        ).fetchone()
        return int(row[0])

    @staticmethod
    def insert_action(
        conn: sqlite3.Connection,
        table: Literal["credits", "reversals"],
        pay_id: str,
        merchant_id: str,
        trans_id: str,
        amount: int,
        req_id: str | None,
        now: str,
    ) -> None:
        """Record an applied credit or reversal (both tables have the same columns).

        A reversal also marks the payment as reversed.
        """
        assert table in ("credits", "reversals")  # never a name from outside
        conn.execute(
            f"INSERT INTO {table} (pay_id, merchant_id, trans_id, amount, req_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (pay_id, merchant_id, trans_id, amount, req_id, now),
        )
        if table == "reversals":
            conn.execute("UPDATE payments SET reversed_at = ? WHERE pay_id = ?", (now, pay_id))

    @staticmethod
    def req_id(
        conn: sqlite3.Connection, merchant_id: str, req_id: str
    ) -> tuple[str, str | None, dict[str, str] | None] | None:
        """``(operation, PayID, stored result)`` of a ReqId already used, else None."""
        row = conn.execute(
            "SELECT operation, pay_id, result FROM req_ids WHERE merchant_id = ? AND req_id = ?",
            (merchant_id, req_id),
        ).fetchone()
        if row is None:
            return None
        result = json.loads(row["result"]) if row["result"] is not None else None
        return row["operation"], row["pay_id"], result

    @staticmethod
    def insert_req_id(
        conn: sqlite3.Connection,
        merchant_id: str,
        req_id: str,
        operation: str,
        pay_id: str | None,
        result: Mapping[str, str] | None,
        now: str,
    ) -> None:
        conn.execute(
            "INSERT INTO req_ids (merchant_id, req_id, operation, pay_id, result, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                merchant_id,
                req_id,
                operation,
                pay_id,
                json.dumps(dict(result), ensure_ascii=False) if result is not None else None,
                now,
            ),
        )

    @staticmethod
    def insert_delivery(
        conn: sqlite3.Connection, pay_id: str, url: str, body: str, now: str, due: float
    ) -> int:
        """A notify delivery, claimed ('sending') by the caller, who tries it first."""
        cur = conn.execute(
            "INSERT INTO notify_deliveries (pay_id, url, body, state, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, 'sending', ?, ?)",
            (pay_id, url, body, due, now),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid
