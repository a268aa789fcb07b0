"""`paygate validate`: read parameter sets, check them, and report.

Sets are read from YAML, JSON or JSON Lines files (``input``, which describes
the set format and how values count), checked with the generated validators
(``check``), and written as text, JSON, JUnit XML or GitHub annotations
(``report``).

Exit codes: 0 every set passes, 1 a set fails, 2 usage errors or a file that
cannot be read or parsed (the other files are still checked).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

import click

from .check import Checker, Validator, ValidatorsMissing, load_validators, operations_of
from .input import MESSAGES, RawSet, expand, read_file
from .report import FORMATS, Report, SetResult, render, tr

PROGRESS_FROM = 1000  # sets; smaller batches finish before a bar is worth drawing


def _validators() -> dict[str, Validator]:
    try:
        return load_validators()
    except ValidatorsMissing as exc:
        raise click.ClickException(str(exc)) from exc


def run(
    args: Iterable[str],
    *,
    operation: str | None = None,
    message: str = "request",
    lang: str = "en",
    with_mac: bool = True,
    input_format: str = "auto",
    validators: Mapping[str, Validator] | None = None,
    progress: bool = False,
) -> Report:
    """Read and check every set of every file; the whole work of the command."""
    validators = validators if validators is not None else _validators()
    checker = Checker(
        validators, operation=operation, message=message, lang=lang, with_mac=with_mac
    )
    files, problems = expand(args)
    raw: list[RawSet] = []
    for f in files:
        sets, found = read_file(f, input_format)
        raw.extend(sets)
        problems.extend(found)
    results: list[SetResult] = []
    if progress and len(raw) >= PROGRESS_FROM:
        with click.progressbar(
            raw, label=tr("progress", lang), file=sys.stderr, show_pos=True
        ) as bar:
            results = [checker.check(s) for s in bar]
    else:
        results = [checker.check(s) for s in raw]
    return Report(files, results, problems, lang)


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
    help="Report format: text, json, junit (JUnit XML) or github (workflow annotations).",
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
def validate(
    files: tuple[str, ...],
    operation: str | None,
    message: str,
    output_format: str,
    lang: str,
    no_mac: bool,
    input_format: str,
) -> None:
    """Validate parameter sets in YAML, JSON or JSON Lines FILES (names, folders, globs).

    Each set names its operation (operation: alipayplus.payment), optionally its
    message (message: request|result, default request) and holds its parameters
    under params; or give --operation for sets that are the bare parameters.
    Whole numbers and booleans count as their text; other values that are not
    text are type errors. Exit 0: all sets pass; 1: a set fails; 2: usage error
    or unreadable input.

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
    report = run(
        files,
        operation=operation,
        message=message,
        lang=lang,
        with_mac=not no_mac,
        input_format=input_format,
        validators=validators,
        progress=sys.stderr.isatty(),
    )
    for line in render(report, output_format):
        click.echo(line)  # click drops the colours when stdout is not a terminal
    sys.exit(report.exit_code)
