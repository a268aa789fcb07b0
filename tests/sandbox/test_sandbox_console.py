"""The sandbox's console shows every notify attempt: delivered, or why not and what is next."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from paygate import demo
from sandbox_support import Caller, CliSandbox, Shop, pay, payment_params, wait_for

from generator.sandbox.server import NotifyPolicy, RunningSandbox

LOGGER = "generator.sandbox.notify"
LINE = re.compile(
    r"notify PayID (?P<pay_id>[0-9a-f]{32}) attempt (?P<n>\d+) of (?P<of>\d+) to (?P<url>\S+): "
    r"(?P<outcome>.*)"
)


def attempts(caplog: pytest.LogCaptureFixture) -> list[dict[str, str]]:
    out = []
    for record in caplog.records:
        if record.name == LOGGER:
            match = LINE.fullmatch(record.getMessage())
            assert match is not None, record.getMessage()
            out.append({**match.groupdict(), "level": record.levelname})
    return out


def test_each_attempt_is_one_line_until_delivered(
    caller: Caller, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    shop.fail_first = 2
    started = datetime.now(UTC)
    paid = pay(caller, shop)
    wait_for(lambda: len(attempts(caplog)) == 3, what="three notify lines")
    lines = attempts(caplog)
    assert [(a["n"], a["of"], a["pay_id"]) for a in lines] == [
        ("1", "4", paid["PayID"]),
        ("2", "4", paid["PayID"]),
        ("3", "4", paid["PayID"]),
    ]
    assert {a["url"] for a in lines} == {shop.url + "notify"}
    assert [a["level"] for a in lines] == ["WARNING", "WARNING", "INFO"]
    assert lines[2]["outcome"] == "delivered (HTTP 200)"
    # A failure says why and when the next attempt is due (FAST_NOTIFY: 0.05 s, doubled).
    for line, wait in ((lines[0], "0.05"), (lines[1], "0.1")):
        found = re.fullmatch(
            r"failed \(HTTP 500\); next attempt at (\d\d:\d\d:\d\d) UTC \(in (\S+) s\)",
            line["outcome"],
        )
        assert found is not None, line["outcome"]
        assert found[2] == wait
        due = datetime.combine(started.date(), datetime.strptime(found[1], "%H:%M:%S").time(), UTC)
        off = (due - started).total_seconds() % 86400  # the clock may pass midnight
        assert min(off, 86400 - off) < 5


def test_a_refused_connection_and_the_last_attempt_are_shown(
    start_sandbox: Callable[..., RunningSandbox], shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    sandbox = start_sandbox(
        notify=NotifyPolicy(max_attempts=2, backoff_s=0.02, timeout_s=1.0, poll_s=0.01)
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens once the socket is closed
    caller = Caller(sandbox.url)
    wallet = caller.start_payment(
        payment_params(shop, URLNotify=f"http://127.0.0.1:{closed}/notify")
    )
    assert caller.press(wallet, "pay").status_code == 303
    wait_for(lambda: len(attempts(caplog)) == 2, what="two notify lines")
    first, last = attempts(caplog)
    assert first["outcome"].startswith("failed (ConnectionError); next attempt at ")
    assert last["outcome"] == "failed (ConnectionError); no attempt left: the delivery failed"
    assert (first["level"], last["level"]) == ("WARNING", "WARNING")


def test_the_command_prints_notify_lines_even_when_quiet(shop: Shop) -> None:
    shop.fail_first = 1
    with CliSandbox("--memory", "--quiet", "--notify-backoff", "0.05") as sandbox:
        caller = Caller(sandbox.url, demo.MERCHANT_ID, demo.HMAC_KEY, demo.CIPHER_KEY)
        paid = pay(caller, shop)

        def notify_lines() -> list[str]:
            return [line for line in sandbox.console if line.startswith("notify ")]

        wait_for(lambda: len(notify_lines()) == 2, what="two notify lines on the console")
        failed, delivered = notify_lines()
    head = f"notify PayID {paid['PayID']} attempt"
    assert failed.startswith(f"{head} 1 of 5 to {shop.url}notify: failed (HTTP 500); next attempt")
    assert delivered == f"{head} 2 of 5 to {shop.url}notify: delivered (HTTP 200)"
    # --quiet leaves out the request lines, not the notify lines.
    assert [line for line in sandbox.console if "HTTP/1.1" in line] == []
