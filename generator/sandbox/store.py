"""The sandbox's state in SQLite: payments, credits, reversals, ReqIds, notify deliveries.

Connections. The store keeps a small pool of connections, opened once and
handed to one thread at a time (SQLite's library is built thread-safe; the
pool only makes sure two threads never share a connection at once). Opening
a connection per request cost more than the work: the schema is parsed anew,
and when the last connection to a file closes SQLite checkpoints the WAL into
the database and syncs it to disk, so every request paid for an fsync.

Transactions. Changes that must not interleave, such as "credits never total
more than the payment", run in ``BEGIN IMMEDIATE`` transactions: SQLite lets
one writer in at a time, so the check and the insert see the same state.
Writers of this process queue on a lock before they begin, so they wake the
moment the previous one commits (SQLite's own busy wait sleeps in steps of
milliseconds); the busy timeout stays for another process on the same file.
The journal is WAL, so readers never wait for the writer.

What the sandbox promises (``synchronous=NORMAL`` in WAL mode):

- An answer is sent only after its transaction committed, and a transaction
  is all or nothing: after any stop of the sandbox (Ctrl-C, a crash, ``kill -9``)
  every answered call is in the file, nothing half done, and a repeated ReqId
  gets its first answer again instead of acting twice. A commit has written
  its pages to the WAL file through the operating system, which keeps them
  when the process dies.
- A crash of the operating system or a power cut keeps the file consistent
  but may lose the last commits before it (those not yet checkpointed): the
  WAL is synced at each checkpoint, not at each commit. A credit lost so also
  loses its ReqId, so a retry applies it once, never twice. For a test server
  that is the fair price: a commit costs a write instead of an fsync (0.08 ms
  against 4.5 ms with ``synchronous=FULL`` on the disk it was measured on).

Checkpoints (copying the WAL into the database file and syncing both) run in
a background thread about once a second while there are new commits, never
in a request; closing the store checkpoints what is left.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

__all__ = ["SCHEMA_VERSION", "Payment", "Store"]

SCHEMA_VERSION: Final = 2

#: Connections kept open for reuse; a busier moment opens more and closes them after.
POOL_SIZE: Final = 8
#: Seconds between background checkpoints while there are new commits.
CHECKPOINT_INTERVAL: Final = 1.0

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
    reversed_at   TEXT,
    -- The sum of the payment's credits, kept by the trigger below: the credit check
    -- reads one row instead of adding up every credit, and the database itself
    -- refuses a total above the payment.
    credited      INTEGER NOT NULL DEFAULT 0 CHECK (credited BETWEEN 0 AND amount)
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
CREATE TRIGGER IF NOT EXISTS credits_add_up AFTER INSERT ON credits BEGIN
    UPDATE payments SET credited = credited + NEW.amount WHERE pay_id = NEW.pay_id;
END;
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

# Version 1 had no running total of credits.
_UPGRADE_FROM_1: Final = """
ALTER TABLE payments ADD COLUMN
    credited INTEGER NOT NULL DEFAULT 0 CHECK (credited BETWEEN 0 AND amount);
UPDATE payments SET credited =
    (SELECT COALESCE(SUM(amount), 0) FROM credits WHERE credits.pay_id = payments.pay_id);
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
    credited: int = 0

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Payment:
        values = dict(row)
        values["request"] = json.loads(values["request"])
        return cls(**values)


class Store:
    """The SQLite file of one sandbox; safe to use from many threads. ``close`` when done."""

    def __init__(self, path: str | Path, *, pool_size: int = POOL_SIZE) -> None:
        self.path = str(path)
        self._pool_size = pool_size
        self._idle: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._closed = False
        self._writer = threading.Lock()
        self._committed = threading.Event()  # a commit since the last checkpoint
        self._stop = threading.Event()
        conn = self._open()
        try:
            self._set_up(conn)
        except BaseException:
            conn.close()
            raise
        # This connection stays open (in the pool) while the store is: with it
        # the WAL stays open, so no other connection's close checkpoints.
        self._idle.append(conn)
        self._checkpointer = threading.Thread(
            target=self._checkpoints, name="paygate-sandbox-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: the module opens no transactions of its own, so
        # BEGIN IMMEDIATE below is the only one. timeout: wait for another
        # process's write lock. check_same_thread=False: the pool hands each
        # connection to one thread at a time.
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            # Checkpoints run in the background thread, not in the commit that
            # fills the WAL (an fsync of the WAL and of the database each).
            conn.execute("PRAGMA wal_autocheckpoint=0")
        except BaseException:
            conn.close()
            raise
        return conn

    def _set_up(self, conn: sqlite3.Connection) -> None:
        """Create the schema, or upgrade an older one, in one transaction."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, 1, SCHEMA_VERSION):
                raise ValueError(
                    f"{self.path}: sandbox database schema version {version}; "
                    f"this sandbox reads versions 1 to {SCHEMA_VERSION} (use a new --db file)"
                )
            statements = _UPGRADE_FROM_1 if version == 1 else ""
            statements += _SCHEMA
            # Not executescript: it would commit the open transaction first.
            for statement in _statements(statements):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Stop the checkpoints and close every connection (the last close checkpoints).

        Connections still in use are closed when they are given back.
        """
        self._stop.set()
        self._checkpointer.join(timeout=30)
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _take(self) -> sqlite3.Connection:
        with self._pool_lock:
            if self._closed:
                raise sqlite3.ProgrammingError(f"{self.path}: the sandbox store is closed")
            if self._idle:
                return self._idle.pop()
        return self._open()

    def _give(self, conn: sqlite3.Connection) -> None:
        with self._pool_lock:
            keep = not self._closed and len(self._idle) < self._pool_size
            if keep and not conn.in_transaction:
                self._idle.append(conn)
                return
        conn.close()  # rolls back whatever a caller left open

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode, for this thread alone until the block ends."""
        conn = self._take()
        try:
            yield conn
        finally:
            self._give(conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (``BEGIN IMMEDIATE``): committed or rolled back.

        The commit is done when the block ends: only then may a caller answer.
        """
        with self._writer, self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            changes = conn.total_changes
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            if conn.total_changes != changes:  # not for a look that changed nothing
                self._committed.set()

    def _checkpoints(self) -> None:
        """Copy committed pages from the WAL into the database file, now and then.

        PASSIVE: it never waits for, nor blocks, readers and writers; what it
        cannot copy yet is copied next time.
        """
        while not self._stop.wait(CHECKPOINT_INTERVAL):
            if not self._committed.is_set():
                continue
            self._committed.clear()
            try:
                with self.connect() as conn:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                self._committed.set()  # a locked or vanished file: try again next round

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


def _statements(script: str) -> Iterator[str]:
    """The statements of a script of ours (whole statements end with ``;``, see
    ``sqlite3.complete_statement``; a trigger's body holds ``;`` of its own)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not pending:
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:60]!r}")
