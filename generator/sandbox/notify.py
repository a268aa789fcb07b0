"""Notify delivery: POST each payment result to URLNotify until the shop takes it.

A delivery counts as done when URLNotify answers 2xx. Anything else (another
status, a refused connection, a timeout) is retried with exponential backoff,
``backoff_s * 2 ** (attempt - 1)`` seconds after the attempt, up to
``max_attempts`` attempts; then the delivery is marked ``failed``. Every
delivery and every attempt is a row in SQLite, so a restarted sandbox picks up
the deliveries still due.

The request thread that decides a payment makes the first attempt itself,
before it sends the browser on (the shop usually learns the result first);
the retries run in one background thread.

Each attempt is logged (logger ``generator.sandbox.notify``; `paygate sandbox`
prints it on the console): INFO when delivered, WARNING when it failed, with
the reason and when the next attempt is due, or that none is left.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import requests

from .store import Store

__all__ = ["CONTENT_TYPE", "Notifier", "NotifyPolicy"]

log = logging.getLogger(__name__)

#: How the sandbox posts results; Paygate has been seen posting ISO-8859-1, the sandbox
#: sends UTF-8 and says so.
CONTENT_TYPE: Final = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass(frozen=True)
class NotifyPolicy:
    """How hard the sandbox tries to deliver a notify."""

    max_attempts: int = 5
    backoff_s: float = 1.0
    timeout_s: float = 5.0
    poll_s: float = 0.2  # how often the background thread looks for due retries

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be 1 or more, not {self.max_attempts}")
        if self.backoff_s < 0 or self.timeout_s <= 0 or self.poll_s <= 0:
            raise ValueError("backoff_s must be 0 or more; timeout_s and poll_s more than 0")

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return float(self.backoff_s * 2 ** (attempts - 1))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Notifier:
    """Delivers notify rows of one Store; ``start`` runs the retry thread."""

    def __init__(self, store: Store, policy: NotifyPolicy) -> None:
        self.store = store
        self.policy = policy
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # A delivery left 'sending' was cut off by a stop mid-attempt: due again now.
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE notify_deliveries SET state = 'pending', next_attempt_at = ?"
                " WHERE state = 'sending'",
                (time.time(),),
            )
        self._thread = threading.Thread(
            target=self._run, name="paygate-sandbox-notify", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.policy.timeout_s + 5)
            self._thread = None

    def deliver(self, delivery_id: int) -> bool:
        """One attempt of a delivery this thread has claimed; True when delivered."""
        with self.store.connect() as conn:
            row = conn.execute(
                "SELECT pay_id, url, body, attempts FROM notify_deliveries WHERE id = ?",
                (delivery_id,),
            ).fetchone()
        if row is None:
            return False
        status: int | None = None
        error: str | None = None
        try:
            with requests.Session() as session:
                # No proxies from the environment: URLNotify is the shop, not the internet.
                session.trust_env = False
                response = session.post(
                    row["url"],
                    data=row["body"].encode("ascii"),
                    headers={"Content-Type": CONTENT_TYPE},
                    timeout=self.policy.timeout_s,
                    allow_redirects=False,
                )
                status = response.status_code
        except requests.RequestException as exc:
            error = type(exc).__name__
        delivered = status is not None and 200 <= status < 300
        if not delivered and error is None:
            error = f"HTTP {status}"
        attempt = row["attempts"] + 1
        due = self._record(delivery_id, attempt, status, error, delivered)
        self._log(row["pay_id"], row["url"], attempt, status if delivered else None, error, due)
        if not delivered:
            self._wake.set()
        return delivered

    def _log(
        self, pay_id: str, url: str, attempt: int, status: int | None, error: str | None, due: float
    ) -> None:
        """One console line per attempt: delivered (``status``), or why not and what is next."""
        head = f"notify PayID {pay_id} attempt {attempt} of {self.policy.max_attempts} to {url}"
        if status is not None:
            log.info("%s: delivered (HTTP %s)", head, status)
            return
        if not due:
            log.warning("%s: failed (%s); no attempt left: the delivery failed", head, error)
            return
        at = datetime.fromtimestamp(due, UTC).strftime("%H:%M:%S UTC")
        wait = self.policy.delay(attempt)
        log.warning("%s: failed (%s); next attempt at %s (in %g s)", head, error, at, wait)

    def _record(
        self, delivery_id: int, attempt: int, status: int | None, error: str | None, ok: bool
    ) -> float:
        """Store the attempt; the Unix time the next one is due (0: none)."""
        now = _now()
        if ok:
            state, due = "delivered", 0.0
        elif attempt >= self.policy.max_attempts:
            state, due = "failed", 0.0
        else:
            state, due = "pending", time.time() + self.policy.delay(attempt)
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO notify_attempts (delivery_id, attempt, at, http_status, error)"
                " VALUES (?, ?, ?, ?, ?)",
                (delivery_id, attempt, now, status, error),
            )
            conn.execute(
                "UPDATE notify_deliveries SET state = ?, attempts = ?, next_attempt_at = ?,"
                " last_status = ?, last_error = ?, delivered_at = ? WHERE id = ?",
                (state, attempt, due, status, error, now if ok else None, delivery_id),
            )
        return due

    def _claim_due(self) -> list[int]:
        """Take the due deliveries ('pending' → 'sending') so no other thread sends them."""
        with self.store.transaction() as conn:
            ids = [
                int(r[0])
                for r in conn.execute(
                    "SELECT id FROM notify_deliveries WHERE state = 'pending'"
                    " AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 20",
                    (time.time(),),
                )
            ]
            conn.executemany(
                "UPDATE notify_deliveries SET state = 'sending' WHERE id = ?",
                [(i,) for i in ids],
            )
        return ids

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for delivery_id in self._claim_due():
                    if self._stop.is_set():
                        break
                    self.deliver(delivery_id)
            except sqlite3.Error:
                # A locked or vanished database file: try again on the next round.
                pass
            self._wake.wait(self.policy.poll_s)
            self._wake.clear()
