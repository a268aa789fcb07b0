"""Run `paygate` in this process and record its peak RSS when it exits.

    python benchmarks/peak.py OUT paygate validate ...

writes the process's own high-water mark (VmHWM, KiB) to OUT. The rusage of a
child (``wait4``, RUSAGE_CHILDREN) is no use here: Linux carries the parent's
peak over into a forked child, so every child of a large benchmark process
would seem as large as the benchmark itself.
"""

from __future__ import annotations

import atexit
import sys
from pathlib import Path


def high_water_kib() -> int:
    """This process's peak RSS in KiB (VmHWM of /proc/self/status)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    out = Path(sys.argv[1])
    atexit.register(lambda: out.write_text(str(high_water_kib()), encoding="ascii"))
    sys.argv = sys.argv[2:]
    from generator.cli import main as paygate

    paygate()


if __name__ == "__main__":
    main()
