"""Checking a large JSON Lines file on every core, the results in the order of the file.

The parent reads the file in blocks of whole lines and hands each block to a
worker process, which decodes and checks its sets with the same ``Checker``.
Results come back block by block, in order, as plain tuples (quick to pass
between processes); a report that lists only failures gets only those. At
most a few blocks are in flight, so memory stays as flat as in one process.
"""

from __future__ import annotations

import io
import os
import signal
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .check import Checker
from .input import BLOCK as BLOCK_LINES
from .input import Block, Counts, FileProblem, RawSet, Source, line_blocks, read_jsonl
from .report import SetResult

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

# Below this a file is checked in one process: starting workers and passing
# the blocks costs more than the second core gives back (benchmarks/validate_stream.py).
JOBS_FROM = 8 << 20  # bytes
BLOCK = 1 << 20  # bytes of whole lines per task
IN_FLIGHT = 3  # tasks per worker waiting or running

_checker: Checker | None = None
_every_set = True

# What a worker returns for a block: the number of its sets, and in order each
# (index in the block, SetResult.packed()) and FileProblem; passing sets only
# when the report lists every set.
_Item = tuple[int, tuple[object, ...]] | FileProblem
_Block = tuple[int, list[_Item]]


def default_jobs() -> int:
    """One process per idle core: the cores this process may use, less the load on them.

    Workers only pay when they get a core of their own; on a busy machine
    they cost more than they give (benchmarks/validate_stream.py).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return max(1, min(cores, int(cores - load + 0.5)))


def _start(checker: Checker, every_set: bool) -> None:
    global _checker, _every_set
    _checker, _every_set = checker, every_set
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _check_block(file: str, block: Block) -> _Block:
    assert _checker is not None
    check, every_set = _checker.check, _every_set
    out: list[_Item] = []
    counts = Counts()
    first, data, _ = block
    # The lines a few at a time, as in one process (they stay in the cache).
    for item in read_jsonl(file, line_blocks(io.BytesIO(data), BLOCK_LINES, first), counts):
        if type(item) is RawSet:
            result = check(item)
            if every_set or result.errors:
                out.append((counts.sets, result.packed()))
        else:
            assert isinstance(item, FileProblem)
            out.append(item)
    return counts.sets, out


def _pool(jobs: int, checker: Checker, every_set: bool) -> Pool:
    import multiprocessing  # only for large files: the import costs time

    methods = multiprocessing.get_all_start_methods()
    # fork shares the loaded validators with the workers; spawn imports them anew.
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return context.Pool(jobs, initializer=_start, initargs=(checker, every_set))


class _Known:
    """A result already at hand (a problem reading the file), in line with the tasks."""

    def __init__(self, problem: FileProblem) -> None:
        self.problem = problem

    def get(self) -> _Block:
        return 0, [self.problem]


_Task = tuple["AsyncResult[_Block] | _Known", int]  # and the bytes read up to its end


def check_parallel(
    source: Source, checker: Checker, jobs: int, every_set: bool = True
) -> Iterator[SetResult | FileProblem]:
    """The sets of a JSON Lines ``source`` checked by ``jobs`` processes, in file order.

    Yields each failing set, each problem, and each passing set if
    ``every_set``; ``source`` counts all sets.
    """
    pool = _pool(jobs, checker, every_set)
    pending: deque[_Task] = deque()
    name = source.name
    try:
        blocks = source.blocks(BLOCK)
        more = True
        while more or pending:
            while more and len(pending) < jobs * IN_FLIGHT:
                got = next(blocks, None)
                if got is None:
                    more = False
                elif isinstance(got, FileProblem):
                    pending.append((_Known(got), source.pos))
                else:
                    pending.append((pool.apply_async(_check_block, (name, got)), got[2]))
            if not pending:
                break
            done, source.pos = pending.popleft()
            before = source.sets
            count, items = done.get()
            for item in items:
                if type(item) is tuple:
                    index, packed = item
                    source.sets = before + index
                    yield SetResult.unpacked(name, before + index, packed)
                else:
                    assert isinstance(item, FileProblem)
                    source.problems += 1
                    yield item
            source.sets = before + count
        pool.close()
    finally:
        pool.terminate()
        pool.join()
