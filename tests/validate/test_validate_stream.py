"""`paygate validate` streams: it reports while it reads, in flat memory, on every core."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

import paygate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from validate_support import PAYGATE, ROOT, payment_line, run_on_tty, write_jsonl_sets

from generator.spec.loader import load_spec
from generator.validate import parallel
from generator.validate.check import Checker
from generator.validate.command import REDRAW_EVERY, stream
from generator.validate.input import RawSet, line_blocks, read_jsonl
from generator.validate.report import WRITERS

# A safety net so a broken build cannot hang the suite; no test asserts a time.
WAIT = 120.0


def read_until(stream: IO[bytes], needle: bytes, proc: subprocess.Popen[bytes]) -> bytes:
    """What ``stream`` gives until ``needle`` appears (or the process ends, or WAIT runs out)."""
    seen = b""
    fd = stream.fileno()
    while needle not in seen:
        ready, _, _ = select.select([fd], [], [], WAIT)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        seen += chunk
    return seen


@pytest.mark.parametrize("output_format", ["text", "github", "jsonl"])
def test_first_failure_is_reported_before_the_input_ends(output_format: str) -> None:
    command = [str(PAYGATE), "validate", "-", "--input-format", "jsonl", "--no-mac"]
    proc = subprocess.Popen(
        [*command, "--format", output_format],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for i in range(3):
            proc.stdin.write(payment_line(i).encode())
        proc.stdin.write(payment_line(3, Currency="EURO").encode())
        proc.stdin.flush()
        # The input is still open: the failure of line 4 must be out already.
        seen = read_until(proc.stdout, b"EURO", proc)
        assert b"EURO" in seen
        assert proc.poll() is None
        assert any(at in seen for at in (b"-:4:", b"line=4,", b'"line": 4'))
        proc.stdin.write(payment_line(4, Currency="EUX").encode())
        proc.stdin.flush()
        seen += read_until(proc.stdout, b"EUX", proc)
        assert b"EUX" in seen and proc.poll() is None
        proc.stdin.close()
        seen += proc.stdout.read()
    finally:
        proc.kill() if proc.poll() is None else None
        proc.wait()
    assert proc.returncode == 1
    if output_format == "jsonl":
        last = json.loads(seen.splitlines()[-1])
        assert last["kind"] == "summary" and last["summary"]["sets"] == 5
    else:
        assert seen.rstrip().endswith(b"5 set(s) in 1 file(s): 3 passed, 2 failed")


def peak_rss_kb(sets: int) -> int:
    """Peak RSS of `paygate validate` fed ``sets`` failing sets through a pipe."""
    proc = subprocess.Popen(
        [str(PAYGATE), "validate", "-", "--input-format", "jsonl", "--no-mac"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    tail: list[bytes] = []
    reader = threading.Thread(target=lambda: tail.extend(proc.stdout.readlines()[-1:]))  # type: ignore[union-attr]
    reader.start()
    # Each set is long and fails three times: what a run keeps per set adds up.
    desc = "Tea & cake " * 60
    for i in range(sets):
        proc.stdin.write(payment_line(i, OrderDesc=desc, Currency="EURO").encode())
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 1
    assert tail[0].strip().endswith(f"{sets} set(s) in 1 file(s): 0 passed, {sets} failed".encode())
    return usage.ru_maxrss


def test_memory_does_not_grow_with_the_number_of_sets() -> None:
    small, large = peak_rss_kb(2_000), peak_rss_kb(40_000)
    # Keeping each set (about 2 KB read, 1 KB of errors) would add over 100 MB.
    assert large - small < 25_000, (small, large)


# --- the same report from one process and from several ------------------------

TRICKY = (
    "\ufeff"
    + payment_line(1)
    + "\n"  # a blank line
    + payment_line(2, Currency="EURO")
    + "{not json\n"
    + '{"operation": "alipayplus.payment", "params": {"Amount": "1", "Amount": "2"}}\n'
    + payment_line(3, CustomerID=None)  # null is no text, even where the key is optional
    + payment_line(4, OrderDesc=True)  # true counts as its text
    + payment_line(5, OrderDesc=["a", "b"])
    + payment_line(6, OrderDesc="x" * 3000)  # longer than a block of the test
    + '{"name": "named", "operation": "alipayplus.payment", "params": {}, "extra": 1}\n'
    + payment_line(7, Amount=12.50)
)
TRICKY_BYTES = TRICKY.encode() + b'{"params": "\xff"}\n' + payment_line(8).encode().rstrip(b"\n")


def report(path: Path, output_format: str, jobs: int) -> tuple[int, str]:
    validators = paygate.VALIDATORS
    checker = Checker(
        validators, operation=None, message="request", lang="en", with_mac=False, max_errors=3
    )
    out = io.StringIO()
    writer = WRITERS[output_format](out, "en", False)
    old = parallel.BLOCK
    parallel.BLOCK = 512  # many blocks, even for a small file
    try:
        tally = stream([str(path)], checker, writer, jobs=jobs, jobs_from=0)
    finally:
        parallel.BLOCK = old
    return tally.exit_code, out.getvalue()


@pytest.mark.parametrize("output_format", sorted(WRITERS))
def test_workers_give_the_report_of_one_process(tmp_path: Path, output_format: str) -> None:
    f = tmp_path / "tricky.jsonl"
    f.write_bytes(TRICKY_BYTES * 3)
    one = report(f, output_format, 1)
    assert one == report(f, output_format, 2)
    assert one[0] == 2  # the bad lines are input problems


def test_tricky_lines_one_by_one(tmp_path: Path) -> None:
    f = tmp_path / "tricky.jsonl"
    f.write_bytes(TRICKY_BYTES)
    code, out = report(f, "jsonl", 1)
    objects = [json.loads(line) for line in out.splitlines()]
    sets = {o["line"]: o for o in objects if o["kind"] == "set"}
    problems = {o["line"]: o["message"] for o in objects if o["kind"] == "problem"}
    assert sets[1]["ok"], "a BOM before the first line is not part of it"
    # A code of the wrong length is not also reported as missing from ISO 4217.
    assert [(e["key"], e["rule"]) for e in sets[3]["errors"]] == [("Currency", "length")]
    assert problems[4].startswith("JSON syntax error")
    assert problems[12].startswith("not UTF-8 text")
    assert (sets[5]["errors"][0]["key"], sets[5]["errors"][0]["rule"]) == ("Amount", "duplicate")
    (null,) = sets[6]["errors"]
    assert (null["key"], null["rule"], null["value"]) == ("CustomerID", "type", None)
    assert "value null;" in null["message"]
    assert sets[7]["ok"]
    (listed,) = sets[8]["errors"]
    assert listed["rule"] == "type" and listed["value"] == ["a", "b"]
    assert [e["rule"] for e in sets[9]["errors"]] == ["length"]
    assert sets[10]["name"] == "named" and sets[10]["errors"][0]["rule"] == "envelope"
    assert sets[10]["errors_not_shown"], "more than --max-errors 3"
    assert sets[11]["errors"][0]["value"] == 12.5
    assert sets[13]["ok"], "a last line without a newline counts"
    assert objects[-1]["summary"]["sets"] == 10 and code == 2


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(1, 40))
def test_blocks_are_whole_lines_in_order(data: bytes, size: int) -> None:
    blocks = list(line_blocks(io.BytesIO(data), size))
    joined = b"".join(block for _, block, _ in blocks)
    assert joined == (data if data.endswith(b"\n") or not data else data + b"\n")
    line = 1
    for first, block, end in blocks:
        assert first == line and block.endswith(b"\n")
        line += block.count(b"\n")
        assert end <= len(data)
    if blocks:
        assert blocks[-1][2] == len(data)


json_values = st.one_of(st.text(max_size=8), st.integers(-(10**20), 10**20), st.booleans())


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=4), max_size=6),
    st.integers(1, 64),
    st.booleans(),
)
def test_json_lines_read_back_as_written(
    sets: list[dict[str, object]], size: int, ascii_only: bool
) -> None:
    text = "".join(json.dumps(s, ensure_ascii=ascii_only) + "\n" for s in sets)
    got = list(read_jsonl("f", line_blocks(io.BytesIO(text.encode()), size)))
    # Whole numbers come as their digits, as written; the rest as json reads it.
    expect = [{k: str(v) if type(v) is int else v for k, v in s.items()} for s in sets]
    read = [r for r in got if isinstance(r, RawSet)]
    assert len(read) == len(got)
    assert [r.data for r in read] == expect
    assert [r.line for r in read] == list(range(1, len(sets) + 1))


def test_each_validator_reports_every_key_that_is_not_text() -> None:
    # Valid JSON sets go to the validators as decoded, and only a set with
    # problems is converted: so null, booleans, numbers and lists must be
    # problems for every key of every message.
    spec = load_spec(ROOT / "spec")
    samples: list[object] = [None, True, False, ["x"], {"a": "b"}, 1.5, 12]
    for message in spec.messages():
        validate = paygate.VALIDATORS[message.id]
        for p in message.parameters:
            for value in samples:
                issues = validate({p.key: value}, with_mac=False)
                assert any(i.key == p.key and i.rule == "type" for i in issues), (
                    message.id,
                    p.key,
                    value,
                )


# --- the progress bar -----------------------------------------------------------


def shown_lines(terminal: bytes) -> list[str]:
    """What a terminal shows of each line: the text after its last carriage return."""
    text = terminal.decode().replace("\r\n", "\n")  # the terminal's own line ends
    return [line.rsplit("\r", 1)[-1] for line in text.split("\n")]


def test_progress_bar_redraws_a_few_times_and_failures_show_above_it(tmp_path: Path) -> None:
    f = tmp_path / "many.jsonl"
    write_jsonl_sets(f, 40_000, bad_every=4_000)
    args = ["validate", str(f), "--no-mac", "--jobs", "1"]
    start = time.monotonic()
    code, terminal, _ = run_on_tty(args, "both", tmp_path)
    elapsed = time.monotonic() - start
    assert code == 1
    # At most four redraws a second (REDRAW_EVERY), plus the first and the last:
    # a slow machine only loosens the bound; a bar that redraws per block or per
    # set breaks it.
    redraws = terminal.count(b"Validating:")
    assert redraws <= elapsed / REDRAW_EVERY + 2, (redraws, elapsed)
    assert len(terminal) < 20_000
    assert b"40000 sets, 10 failed" in terminal
    fails = [line for line in shown_lines(terminal) if "FAIL" in line]
    assert len(fails) == 10
    assert all(line.startswith(f"{f}:") for line in fails), fails[:2]
