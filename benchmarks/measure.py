"""Timing, statistics and the machine's description for the benchmarks.

Timing follows ``timeit``: the loop count is calibrated so that one repeat
takes at least ``min_time`` seconds, the garbage collector is off during a
repeat, and the figure reported is the minimum over the repeats (the run
least disturbed by the rest of the machine); the median is kept beside it to
show the spread.
"""

from __future__ import annotations

import gc
import importlib.metadata
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    """How hard to measure: the defaults give stable figures on a quiet 2-core machine."""

    repeats: int = 11  # min-of-N for calls timed in a loop
    # Seconds per repeat; the loop count grows until one repeat takes this. Short
    # repeats, many of them: on a shared machine some run undisturbed.
    min_time: float = 0.1
    warmup: float = 0.1  # seconds of calls before timing (caches, branch predictors, lazy imports)
    process_runs: int = 7  # runs of a whole process (import time, `paygate generate`)
    slow_runs: int = 3  # runs of a slow in-process step (generation of the scaled specs)
    mypyc: bool = True  # also time a mypyc-compiled copy of the validators (if mypyc builds)
    # paygate validate on JSON Lines files of these sizes: two, to show how memory grows
    validate_sets: tuple[int, ...] = (10_000, 100_000)


QUICK = Settings(
    repeats=3,
    min_time=0.02,
    warmup=0.01,
    process_runs=3,
    slow_runs=1,
    validate_sets=(5_000, 20_000),
)


@dataclass(frozen=True)
class Timing:
    """One measured call: microseconds per call, best and median over the repeats."""

    best_us: float
    median_us: float
    loops: int
    repeats: int

    @property
    def spread(self) -> float:
        """How far the median is above the best, as a fraction (0.03 is 3 %)."""
        return self.median_us / self.best_us - 1.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "spread": round(self.spread, 4)}


def _calibrate(fn: Callable[[], object], settings: Settings) -> int:
    """Warm ``fn`` up, then find a loop count that runs for at least ``min_time``."""
    deadline = time.perf_counter() + settings.warmup
    while time.perf_counter() < deadline:
        fn()
    timer = timeit.Timer(fn)
    loops = 1
    while True:
        took = timer.timeit(loops)
        if took >= settings.min_time:
            return loops
        # Aim a little past min_time so the next try is usually the last.
        loops = max(loops * 2, int(loops * settings.min_time * 1.2 / max(took, 1e-9)))


def time_side_by_side(
    fns: Mapping[str, Callable[[], object]], settings: Settings
) -> dict[str, Timing]:
    """Time each call in a calibrated loop, the repeats of all calls interleaved.

    Repeat 1 of every call, then repeat 2 of every call, and so on: a burst of
    load from elsewhere on the machine slows all of them alike instead of
    whichever happened to be running, so the ratios between them stay fair.
    """
    loops = {name: _calibrate(fn, settings) for name, fn in fns.items()}
    timers = {name: timeit.Timer(fn) for name, fn in fns.items()}
    per_call: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(settings.repeats):
        for name, timer in timers.items():
            per_call[name].append(timer.timeit(loops[name]) / loops[name] * 1e6)
    return {
        name: Timing(min(v), statistics.median(v), loops[name], settings.repeats)
        for name, v in per_call.items()
    }


def time_call(fn: Callable[[], object], settings: Settings) -> Timing:
    """Time one call in a calibrated loop, after a warm-up."""
    return time_side_by_side({"call": fn}, settings)["call"]


def time_once(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    """Seconds of ``fn()`` run ``runs`` times one after another: (best, all)."""
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        took.append(time.perf_counter() - start)
    return min(took), took


def peak_allocation(fn: Callable[[], object]) -> int:
    """Bytes of Python memory one call of ``fn`` has allocated at its peak (tracemalloc).

    Measured apart from the timing (tracemalloc slows every allocation down), after a
    call that warms caches and lazy imports up.
    """
    fn()
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def run_process(
    command: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> tuple[Clock, subprocess.CompletedProcess[str]]:
    """Run a command to its end: its wall and CPU time, and what it printed.

    ``os.wait4`` gives the CPU time of this one child (and of what it waited for,
    such as ruff under `paygate generate`), where RUSAGE_CHILDREN would add up all
    children. (Its peak RSS is no use: Linux carries a parent's peak over into a
    forked child; peak.py measures that instead.)
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(command), stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(
            list(command),
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )
    return Clock(wall, usage.ru_utime + usage.ru_stime), done


@dataclass(frozen=True)
class Clock:
    """Wall time, and CPU time of this process plus its finished child processes.

    On a machine shared with other work the wall time of a long step grows with
    the load; its CPU time hardly does, so trends (linear or not) are judged on it.
    """

    wall: float
    cpu: float

    def __sub__(self, other: Clock) -> Clock:
        return Clock(self.wall - other.wall, self.cpu - other.cpu)


def clock() -> Clock:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Clock(time.perf_counter(), time.process_time() + children.ru_utime + children.ru_stime)


@dataclass(frozen=True)
class LinearFit:
    """``y = slope * x + intercept`` by least squares, with R²."""

    slope: float
    intercept: float
    r_squared: float


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> LinearFit:
    n = len(xs)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    ss_res = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys, strict=True))
    ss_tot = sum((y - mean_y) ** 2 for y in ys)
    return LinearFit(slope, intercept, 1.0 - ss_res / ss_tot if ss_tot else 1.0)


# --------------------------------------------------------------------------- machine

PACKAGES = (
    "paygate",
    "jsonschema",
    "fastjsonschema",
    "jsonschema-rs",
    "pydantic",
    "pydantic-core",
    "cryptography",
    "jinja2",
    "pyyaml",
    "ruff",
    "click",
)


def cpu_model() -> str:
    """The CPU's model name and clock from /proc/cpuinfo, e.g. "Intel(R) Xeon(R) @ 2600 MHz"."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    name = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    mhz = re.search(r"^cpu MHz\s*:\s*([0-9.]+)", text, re.MULTILINE)
    model = name.group(1).strip() if name else platform.processor() or "unknown"
    return f"{model} @ {float(mhz.group(1)):.0f} MHz" if mhz else model


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_revision(root: Path) -> str | None:
    """The checked-out commit, with "+changes" when the work tree differs (read-only)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if dirty else "")


def load_average() -> float | None:
    """The 1-minute load average: above 0.5 the figures share the CPU with other work."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def _memory_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return round(int(match.group(1)) / 2**20, 1) if match else None


def machine(root: Path) -> dict[str, Any]:
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu_model(),
        "memory_gib": _memory_gib(),
        "cores": os.cpu_count(),
        "cores_usable": len(affinity) if affinity is not None else None,
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "packages": package_versions(),
        "revision": git_revision(root),
    }
