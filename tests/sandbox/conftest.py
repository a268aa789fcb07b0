"""Fixtures of the sandbox tests: a running sandbox on loopback, a shop, a caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from paygate import Secret
from sandbox_support import CIPHER_KEY, HMAC_KEY, MERCHANT_ID, Caller, FakeClock, Shop, utc

from generator.sandbox.server import (
    Merchant,
    NotifyPolicy,
    RunningSandbox,
    make_app,
    start_background,
)

#: Fast retries so notify tests finish in well under a second.
FAST_NOTIFY = NotifyPolicy(max_attempts=4, backoff_s=0.05, timeout_s=2.0, poll_s=0.02)


@pytest.fixture
def merchant() -> Merchant:
    return Merchant(MERCHANT_ID, Secret(HMAC_KEY), Secret(CIPHER_KEY), "blowfish")


@pytest.fixture
def clock() -> FakeClock:
    # 10:00 UTC = 18:00 UTC+8: the reversal cutoff is 16:15 UTC the next day.
    return FakeClock(utc(2026, 3, 10, 10, 0))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "sandbox.db"


@pytest.fixture
def start_sandbox(
    merchant: Merchant, clock: FakeClock, db: Path
) -> Iterator[Callable[..., RunningSandbox]]:
    """Start sandboxes (same db and clock unless told otherwise); all stopped at the end."""
    running: list[RunningSandbox] = []

    def start(**kw: Any) -> RunningSandbox:
        kw.setdefault("clock", clock)
        kw.setdefault("notify", FAST_NOTIFY)
        merchants = kw.pop("merchants", merchant)
        server = start_background(make_app(merchants, kw.pop("db", db), **kw))
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def sandbox(start_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return start_sandbox()


@pytest.fixture
def shop() -> Iterator[Shop]:
    s = Shop()
    yield s
    s.stop()


@pytest.fixture
def caller(sandbox: RunningSandbox) -> Caller:
    return Caller(sandbox.url)
