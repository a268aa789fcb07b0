"""`paygate validate` on large JSON Lines files: time against the plain loop, and memory.

The plain loop is the floor: one process that reads the same file, runs
``json.loads`` on each line and then the generated validator, and nothing
else (no line numbers, no envelope, no report). The command does the same
work plus all of that, and writes its text report to /dev/null. Every size
runs the floor and the command in turns (one, then all cores), each as a
fresh process, ``--repeats`` times; the figure is the best run (the one least
disturbed by the rest of a shared machine), and the ratio is of two figures
of the same run.

On a machine shared with other work the wall times swing; the CPU time of
a one-process run (user + system, from the kernel) swings much less, so both
are printed, each with its ratio to the floor. With workers the CPU time is
larger by their overhead, and only the wall time can show what they give.

``paygate validate`` starts by importing every room of the CLI (spec loader,
jsonschema, jinja2, ...), which costs a few tenths of a second; the row
"validate, room only" runs the same command from ``generator.validate``
alone, to show that start-up cost apart.

Memory is the peak resident set size: ``ru_maxrss`` of the process (the
largest of it and its workers), and the peak of their sum sampled from /proc
every 20 ms (the workers run at the same time).

The progress bar is measured on a pseudo terminal: the bytes it writes and
how often it redraws, for 150,000 sets.

    .venv/bin/python benchmarks/validate_stream.py              # 100k, 300k, 1M sets
    .venv/bin/python benchmarks/validate_stream.py --sizes 100000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import payloads  # the sets every benchmark uses

OPERATION = "alipayplus.payment"
PAYGATE = str(Path(sys.executable).with_name("paygate"))

# The floor: json.loads per line, then the generated validator.
PLAIN = """
import json, sys, time
from paygate import VALIDATORS
validate = VALIDATORS["alipayplus.payment.request"]
start = time.perf_counter()
bad = 0
with open(sys.argv[1], encoding="utf-8") as lines:
    for line in lines:
        bad += bool(validate(json.loads(line)))
print(bad, time.perf_counter() - start)
"""


# `paygate validate` without the CLI's imports of the other rooms.
ROOM_ONLY = """
import sys
from generator.validate.command import validate
validate(sys.argv[1:], prog_name="paygate validate")
"""


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the process and its workers
    maxrss_mb: float  # ru_maxrss: the largest single process
    tree_mb: float  # peak of the summed RSS of the process and its children
    exit_code: int
    stdout: bytes


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children", encoding="ascii") as children:
                todo.extend(int(c) for c in children.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(command: list[str], stdout: int | None = subprocess.DEVNULL) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=stdout if stdout is not None else subprocess.PIPE)
    peak = 0
    out = b""
    while True:
        peak = max(peak, _tree_rss_kb(proc.pid))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if proc.stdout is not None:
        out = proc.stdout.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, peak / 1024, proc.returncode, out)


def progress_on_a_terminal(path: Path) -> dict[str, float]:
    """What the bar writes to a terminal while the command checks ``path``."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100", TERM="xterm")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PAYGATE, "validate", "--operation", OPERATION, str(path)],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    seen = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    proc.wait()
    os.close(master)
    return {
        "seconds": time.perf_counter() - start,
        "bytes": len(seen),
        "redraws": seen.count(b"\r"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-progress", action="store_true", help="skip the terminal test")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cores = len(os.sched_getaffinity(0))
    print(f"python {sys.version.split()[0]}, {cores} cores, load {os.getloadavg()[0]:.2f}")
    print("sets: payloads.write_jsonl (a full payment request a line, every 10th invalid)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="paygate-stream-") as tmp:
        for n in sizes:
            path = Path(tmp, f"{n}.jsonl")
            invalid = payloads.write_jsonl(path, n)
            base = [PAYGATE, "validate", "--operation", OPERATION, str(path)]
            room = [sys.executable, "-c", ROOM_ONLY, "--operation", OPERATION, str(path)]
            commands = {
                "plain loop": [sys.executable, "-c", PLAIN, str(path)],
                "validate --jobs 1": [*base, "--jobs", "1"],
                "validate, room only": [*room, "--jobs", "1"],
            }
            if cores > 1:
                commands[f"validate --jobs {cores}"] = [*base, "--jobs", str(cores)]
            best: dict[str, Run] = {}
            for _ in range(args.repeats):
                for name, command in commands.items():
                    run = measure(command, None if name == "plain loop" else subprocess.DEVNULL)
                    expect = 0 if name == "plain loop" else 1
                    if run.exit_code != expect:
                        raise SystemExit(f"{name} exited {run.exit_code}")
                    if name == "plain loop":
                        assert int(run.stdout.split()[0]) == invalid
                    if name not in best or run.seconds < best[name].seconds:
                        best[name] = run
                    # The least disturbed CPU time too: it can come from another run.
                    best[name].cpu = min(best[name].cpu, run.cpu)
            floor = best["plain loop"]
            for name, run in best.items():
                rows.append(
                    {
                        "sets": n,
                        "file_mb": round(path.stat().st_size / 1e6, 1),
                        "what": name,
                        "best_s": round(run.seconds, 3),
                        "ratio_to_plain": round(run.seconds / floor.seconds, 3),
                        "cpu_s": round(run.cpu, 3),
                        "cpu_ratio_to_plain": round(run.cpu / floor.cpu, 3),
                        "maxrss_mb": round(run.maxrss_mb, 1),
                        "tree_rss_mb": round(run.tree_mb, 1),
                    }
                )
                wall, cpu = run.seconds / floor.seconds, run.cpu / floor.cpu
                print(
                    f"{n:>9,} sets  {name:<20} {run.seconds:6.2f} s {wall:5.2f}x"
                    f"  cpu {run.cpu:6.2f} s {cpu:5.2f}x"
                    f"  peak RSS {run.maxrss_mb:5.1f} MB (all processes {run.tree_mb:5.1f} MB)"
                )
            path.unlink()
        if not args.no_progress:
            path = Path(tmp, "150000.jsonl")
            payloads.write_jsonl(path, 150_000)
            bar = progress_on_a_terminal(path)
            print(
                f"progress bar, 150,000 sets on a terminal: {bar['bytes']:,} bytes, "
                f"{bar['redraws']:,} redraws in {bar['seconds']:.1f} s"
            )
            rows.append({"what": "progress bar, 150,000 sets", **bar})
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
