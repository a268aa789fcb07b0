"""`paygate validate`: read parameter sets, check them, and report, one set at a time.

Sets are read from YAML, JSON or JSON Lines files (``input``, which describes
the set format and how values count), checked with the generated validators
(``check``), and written as text, JSON, JSON Lines, JUnit XML or GitHub
annotations (``report``) as they are checked: memory does not grow with the
number of sets, and the first failure is shown while the rest is still read.
Large JSON Lines files are checked on every core (``parallel``), the report
in the order of the input.

Exit codes: 0 every set passes, 1 a set fails or a file holds no sets (unless
--allow-empty), 2 usage errors or a file that cannot be read or parsed (the
other files are still checked).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .check import Checker, Validator, ValidatorsMissing, load_validators, operations_of
from .input import MESSAGES, FileProblem, RawSet, Source, expand
from .parallel import JOBS_FROM, check_parallel, default_jobs
from .report import FORMATS, WRITERS, Out, SetResult, Tally, Writer, tr

if TYPE_CHECKING:
    from tqdm import tqdm

DEFAULT_MAX_ERRORS = 50
PROGRESS_FROM = 1 << 20  # bytes; a bar for smaller input only once it has run a second
REDRAW_EVERY = 0.25  # seconds between redraws of the bar: a few a second


def _validators() -> dict[str, Validator]:
    try:
        return load_validators()
    except ValidatorsMissing as exc:
        raise click.ClickException(str(exc)) from exc


class _Progress:
    """A progress bar on standard error (tqdm): bytes read, sets checked, failures.

    tqdm redraws at most every ``REDRAW_EVERY`` seconds however many sets go
    by, and ``write`` prints a report line above the bar, so failures show as
    they come without breaking the bar.
    """

    def __init__(self, total: int | None, tally: Tally) -> None:
        from tqdm import tqdm  # only on a terminal: the import costs time

        class Bar(tqdm):  # type: ignore[type-arg]
            @property
            def format_dict(self) -> MutableMapping[str, Any]:
                d = super().format_dict
                d["postfix"] = tr("progress.sets", tally.lang, sets=tally.sets, failed=tally.failed)
                return d

        columns, lines = _terminal()
        self.bar: tqdm[Any] = Bar(
            total=total,
            desc=tr("progress", tally.lang),
            file=sys.stderr,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            mininterval=REDRAW_EVERY,
            delay=0 if total is not None and total >= PROGRESS_FROM else 1.0,
            ncols=columns,
            nrows=lines,
        )
        self.done = 0
        _AboveBar.bar = self.bar

    def advance(self, pos: int) -> None:
        """The bytes read of all files so far."""
        if pos > self.done:
            self.bar.update(pos - self.done)
            self.done = pos

    def close(self) -> None:
        self.bar.close()
        _AboveBar.bar = None


class _AboveBar:
    """Standard output on the terminal of the bar: report lines go above the bar.

    Lines are kept until the writer flushes (a few times a second), then the
    bar's line is cleared and they are written; the bar comes back at its next
    redraw. So failures show as they come, and many of them do not make the
    bar redraw once each.
    """

    bar: Any = None  # the tqdm bar shown, if any

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        if self.parts:
            if self.bar is not None:
                self.bar.clear()
            sys.stdout.write("".join(self.parts))
            self.parts.clear()
        sys.stdout.flush()


def _terminal() -> tuple[int, int]:
    """Columns and lines of the terminal of standard error (a pseudo terminal may say 0)."""
    try:
        columns, lines = os.get_terminal_size(sys.stderr.fileno())
    except OSError:
        columns, lines = 0, 0
    return columns or int(os.environ.get("COLUMNS", "0") or 0) or 80, lines or 24


def _sizes(files: list[str]) -> int | None:
    """The bytes of all files, or None when one is a stream."""
    if "-" in files:
        return None
    return sum(source_size(f) or 0 for f in files)


def stream(
    args: Iterable[str],
    checker: Checker,
    writer: Writer,
    *,
    input_format: str = "auto",
    allow_empty: bool = False,
    jobs: int = 1,
    jobs_from: int = JOBS_FROM,
    progress: Callable[[int | None, Tally], _Progress] | None = None,
) -> Tally:
    """Read, check and report every set of every file, one at a time; the counts.

    With ``jobs`` > 1, JSON Lines files of ``jobs_from`` bytes or more are
    checked by that many worker processes.
    """
    tally = Tally(checker.lang)
    files, problems = expand(args)
    if "-" in files:
        writer.flush_every = 0.0  # a stream may pause: show each failure at once
    tally.files = len(files)
    for p in problems:
        tally.problems += 1
        writer.problem(p)
    bar = progress(_sizes(files), tally) if progress is not None else None
    done, sets = 0, 0  # bytes and sets of the files finished
    every_set = writer.every_set
    try:
        for name in files:
            source = Source(name, input_format)
            writer.file(name)
            items: Iterable[RawSet | FileProblem | SetResult] = source
            if jobs > 1 and source.format == "jsonl" and (source_size(name) or 0) >= jobs_from:
                items = check_parallel(source, checker, jobs, writer.every_set)
            for item in items:
                if type(item) is RawSet:
                    item = checker.check(item)
                if type(item) is SetResult:
                    if item.errors:
                        tally.failed += 1
                        writer.set(item)
                    elif every_set:
                        writer.set(item)
                else:
                    assert isinstance(item, FileProblem)
                    tally.problems += 1
                    writer.problem(item)
                if bar is not None:
                    tally.sets = sets + source.sets
                    bar.advance(done + source.pos)
            done += source.pos
            sets += source.sets
            tally.sets = sets
            if source.sets == 0 and source.problems == 0 and not allow_empty:
                tally.empty += 1
                writer.empty(name)
    finally:
        if bar is not None:
            bar.close()
    writer.end(tally)
    return tally


def source_size(name: str) -> int | None:
    try:
        return None if name == "-" else Path(name).stat().st_size
    except OSError:
        return None


@dataclass
class Report:
    """Everything a run found, kept in memory: for programs that call ``run``."""

    files: list[str] = field(default_factory=list)
    results: list[SetResult] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)

    @property
    def exit_code(self) -> int:
        return self.tally.exit_code


class _Keep(Writer):
    def __init__(self, report: Report) -> None:
        super().__init__(sys.stdout, report.tally.lang)
        self.report = report

    def file(self, name: str) -> None:
        self.report.files.append(name)

    def set(self, s: SetResult) -> None:
        self.report.results.append(s)

    def problem(self, p: FileProblem) -> None:
        self.report.problems.append(p)

    def empty(self, file: str) -> None:
        self.report.empty.append(file)


def run(
    args: Iterable[str],
    *,
    operation: str | None = None,
    message: str = "request",
    lang: str = "en",
    with_mac: bool = True,
    input_format: str = "auto",
    validators: Mapping[str, Validator] | None = None,
    allow_empty: bool = False,
    max_errors: int = 0,
) -> Report:
    """Check every set of every file and keep it all: the command's work, for a program."""
    checker = Checker(
        validators if validators is not None else _validators(),
        operation=operation,
        message=message,
        lang=lang,
        with_mac=with_mac,
        max_errors=max_errors,
    )
    report = Report(tally=Tally(lang))
    report.tally = stream(
        args, checker, _Keep(report), input_format=input_format, allow_empty=allow_empty
    )
    return report


def _jobs(value: str) -> int:
    if value == "auto":
        return default_jobs()
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise click.BadParameter(f"{value!r}: a number from 1, or auto", param_hint="--jobs")
    return jobs


@click.command(name="validate")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--operation",
    metavar="OPERATION",
    help="Operation of sets that name none, e.g. alipayplus.payment.",
)
@click.option(
    "--message",
    type=click.Choice(MESSAGES),
    default="request",
    show_default=True,
    help="Message of sets that name none.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format: text, json (one document), jsonl (JSON Lines, one object a set), "
    "junit (JUnit XML) or github (workflow annotations).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "de"]),
    default="en",
    show_default=True,
    help="Language of the messages.",
)
@click.option(
    "--no-mac",
    is_flag=True,
    help="Do not report a missing MAC (the client computes it when it sends).",
)
@click.option(
    "--input-format",
    type=click.Choice(["auto", "yaml", "json", "jsonl"]),
    default="auto",
    show_default=True,
    help="How to read the files; auto goes by the suffix. '-' reads standard input.",
)
@click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_ERRORS,
    show_default=True,
    metavar="N",
    help="Errors shown per set; the rest are counted by rule. 0: all.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="A file without parameter sets passes (by default it fails).",
)
@click.option(
    "--jobs",
    default="auto",
    show_default=True,
    metavar="N|auto",
    help="Processes for large JSON Lines files; auto: one per idle core. The report "
    "keeps the order of the input.",
)
def validate(
    files: tuple[str, ...],
    operation: str | None,
    message: str,
    output_format: str,
    lang: str,
    no_mac: bool,
    input_format: str,
    max_errors: int,
    allow_empty: bool,
    jobs: str,
) -> None:
    """Validate parameter sets in YAML, JSON or JSON Lines FILES (names, folders, globs).

    Each set names its operation (operation: alipayplus.payment), optionally its
    message (message: request|result, default request) and holds its parameters
    under params; or give --operation for sets that are the bare parameters.
    Whole numbers and booleans count as their text; other values that are not
    text are type errors. Sets are checked and reported one at a time, so files
    of any size work. Exit 0: all sets pass; 1: a set fails, or a file holds no
    sets; 2: usage error or unreadable input.

    \b
    A set in YAML:
      name: payment with shipping address
      operation: alipayplus.payment
      message: request
      params:
        MerchantID: Test_Shop
        Amount: 100
    """
    validators = _validators()
    ops = operations_of(validators)
    if operation is not None and operation not in ops:
        raise click.BadParameter(
            f"unknown operation {operation!r}; allowed: {', '.join(ops)}",
            param_hint="--operation",
        )
    if input_format == "auto" and "-" in files:
        raise click.BadParameter(
            "standard input needs --input-format yaml, json or jsonl", param_hint="FILES"
        )
    n_jobs = _jobs(jobs)
    checker = Checker(
        validators,
        operation=operation,
        message=message,
        lang=lang,
        with_mac=not no_mac,
        max_errors=max_errors,
    )
    # A lone surrogate (JSON "\ud800") cannot be encoded: write it as its escape.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    on_tty = sys.stderr.isatty()
    progress = _Progress if on_tty else None
    # With the bar on the same terminal, report lines are written above it.
    out: Out = _AboveBar() if on_tty and sys.stdout.isatty() else sys.stdout
    writer = WRITERS[output_format](out, lang, sys.stdout.isatty())
    try:
        tally = stream(
            files,
            checker,
            writer,
            input_format=input_format,
            allow_empty=allow_empty,
            jobs=n_jobs,
            progress=progress,
        )
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of the report has gone (`| head`): say so, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        click.echo(tr("broken-pipe", lang), err=True)
        sys.exit(2)
    sys.exit(tally.exit_code)
