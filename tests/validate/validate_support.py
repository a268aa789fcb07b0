"""What the tests of `paygate validate` share: sets, and ways to run the command."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from generator.cli import main

ROOT = Path(__file__).resolve().parents[2]
PAYGATE = Path(sys.executable).with_name("paygate")

# A payment request that passes (the MAC is left to the client: --no-mac).
PAYMENT = {
    "MerchantID": "Test_Shop",
    "TransID": "TID-1",
    "Amount": "100",
    "Currency": "EUR",
    "OrderDesc": "Test order",
    "URLSuccess": "https://shop.example/ok",
    "URLFailure": "https://shop.example/fail",
    "URLNotify": "https://shop.example/notify",
    "FxCurrency": "EUR",
}
INQUIRE_RESULT = {
    "mid": "Test_Shop",
    "PayID": "0" * 32,
    "XID": "1" * 32,
    "TransID": "TID-1",
    "Status": "OK",
    "Description": "success",
    "Code": "00000000",
    "MAC": "A" * 64,
}


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *args], input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def as_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = invoke(*args, "--format", "json")
    doc: dict[str, Any] = json.loads(out)
    return code, doc


def line_of(text: str, needle: str, start: int = 1) -> int:
    """The 1-based line of the first line containing ``needle`` at or after ``start``."""
    lines = text.splitlines()
    for n in range(start, len(lines) + 1):
        if needle in lines[n - 1]:
            return n
    raise AssertionError(needle)


def payment_line(i: int, **changes: object) -> str:
    """Set ``i`` as one JSON line, its params changed by ``changes``."""
    params: dict[str, object] = dict(PAYMENT, TransID=f"TID-{i}", **changes)
    return json.dumps({"operation": "alipayplus.payment", "params": params}) + "\n"


def write_jsonl_sets(path: Path, n: int, bad_every: int = 0) -> None:
    """n payment sets, one per line; every bad_every-th one has a decimal Amount."""
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            bad = bad_every and i % bad_every == 0
            f.write(payment_line(i, Amount=12.5 if bad else 100 + i))


def run_on_tty(args: list[str], tty: str, cwd: Path) -> tuple[int, bytes, bytes]:
    """Run paygate with stdout, stderr or both ("stdout", "stderr", "both") on a pseudo terminal.

    Returns the exit code, what the terminal got, and what the other stream got.
    """
    master, slave = pty.openpty()
    out_target = slave if tty in ("stdout", "both") else subprocess.PIPE
    err_target = slave if tty in ("stderr", "both") else subprocess.PIPE
    env = dict(os.environ, COLUMNS="80", TERM="xterm")
    proc = subprocess.Popen(
        [str(PAYGATE), *args], stdout=out_target, stderr=err_target, cwd=cwd, env=env
    )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    other = proc.stderr if tty == "stdout" else proc.stdout
    piped = other.read() if other is not None else b""
    proc.wait()
    os.close(master)
    return proc.returncode, seen, piped
