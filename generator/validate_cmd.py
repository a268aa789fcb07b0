"""`paygate validate`: check parameter sets against the generated validators.

A parameter set is one request or result as a merchant would send or receive
it. Sets are read from YAML, JSON or JSON Lines files (validate_input, which
describes the set format and how values count) and checked with
``paygate.VALIDATORS`` (the generated package), so CI checks exactly what the
client checks at run time. validate_report writes the outcome as text, JSON,
JUnit XML or GitHub annotations.

Exit codes: 0 every set passes, 1 a set fails, 2 usage errors or a file that
cannot be read or parsed (the other files are still checked).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import click

from .validate_input import (
    ENVELOPE_KEYS,
    MAX_DEPTH,
    MESSAGES,
    NULL,
    SUFFIXES,
    Decimal,
    FileProblem,
    Path_,
    RawSet,
    ReadError,
    Structure,
    convert,
    expand,
    read_file,
    read_json,
    read_jsonl,
    read_yaml,
    shorten,
)
from .validate_report import (
    FORMATS,
    TEXTS,
    Error,
    Report,
    SetResult,
    problem_text,
    render,
    render_github,
    render_json,
    render_junit,
    render_text,
    tr,
)

# The names this command has always offered, wherever they live now.
__all__ = [
    "ENVELOPE_KEYS",
    "FORMATS",
    "MAX_DEPTH",
    "MESSAGES",
    "NULL",
    "PROGRESS_FROM",
    "SUFFIXES",
    "TEXTS",
    "Checker",
    "Decimal",
    "Error",
    "FileProblem",
    "Path_",
    "RawSet",
    "ReadError",
    "Report",
    "SetResult",
    "Structure",
    "Validator",
    "convert",
    "expand",
    "load_validators",
    "operations_of",
    "problem_text",
    "read_file",
    "read_json",
    "read_jsonl",
    "read_yaml",
    "render_github",
    "render_json",
    "render_junit",
    "render_text",
    "run",
    "validate",
]

PROGRESS_FROM = 1000  # sets; smaller batches finish before a bar is worth drawing


class _Issue(Protocol):
    """What this module uses of the generated ``paygate.Issue``."""

    key: str
    rule: str
    allowed_en: str
    allowed_de: str

    def shown_value(self) -> str: ...

    def message(self, lang: str = "en") -> str: ...


# --- checking ----------------------------------------------------------------


Validator = Callable[..., list[Any]]


def load_validators() -> dict[str, Validator]:
    """The generated validators, imported at run time (the package is generated)."""
    try:
        module = importlib.import_module("paygate")
    except Exception as exc:  # a broken generated package: say so, no traceback
        raise click.ClickException(
            f"cannot import the generated package paygate ({exc}); run `paygate generate`"
        ) from exc
    validators: dict[str, Validator] = module.VALIDATORS
    return validators


def operations_of(validators: Mapping[str, Validator]) -> list[str]:
    return sorted({m.rsplit(".", 1)[0] for m in validators})


class Checker:
    def __init__(
        self,
        validators: Mapping[str, Validator],
        *,
        operation: str | None,
        message: str,
        lang: str,
        with_mac: bool,
    ) -> None:
        self.validators = validators
        self.operations = operations_of(validators)
        self.operation = operation
        self.message = message
        self.lang = lang
        self.with_mac = with_mac

    def _own(
        self, line: int, key: str, rule: str, value: object, allowed_key: str, **kw: object
    ) -> Error:
        """An error of the set itself; its allowed text is TEXTS["allowed." + allowed_key]."""
        allowed = tr("allowed." + allowed_key, self.lang, **kw)
        shown = None if value is None else shorten(value)
        parts = [
            f"{key}: {tr('rule.' + rule, self.lang)}" if key else tr("rule." + rule, self.lang)
        ]
        if shown:
            parts.append(f"{tr('label.value', self.lang)} {shown}")
        text = ", ".join(parts) + f"; {tr('label.allowed', self.lang)}: {allowed}"
        return Error(line, key, rule, shown, allowed, text)

    def _at_key(
        self, s: RawSet, key: str, rule: str, value: object, allowed_key: str, **kw: object
    ) -> Error:
        """An error of an envelope key (operation, params, name, ...), at that key's line."""
        return self._own(s.key_line((key,)), key, rule, value, allowed_key, **kw)

    def check(self, s: RawSet) -> SetResult:
        lang = self.lang
        errors: list[Error] = []
        result = SetResult(s.file, s.line, s.index, None, None, errors)
        data = s.data
        if not isinstance(data, dict):
            errors.append(self._own(s.line, "", "set", data, "set"))
            return result
        if "params" in data:
            prefix: Path_ = ("params",)
            for k in data:
                if k not in ENVELOPE_KEYS and not str(k).startswith("x-"):
                    errors.append(self._at_key(s, k, "envelope", None, "envelope"))
            params = data["params"]
            if not isinstance(params, dict):
                errors.append(self._at_key(s, "params", "set", None, "params"))
                params = None
            op = data.get("operation", self.operation)
            msg = data.get("message", self.message)
            name = data.get("name")
            if name is not None and not isinstance(name, str):
                errors.append(self._at_key(s, "name", "set", None, "name"))
                name = None
            result.name = name
        else:
            prefix = ()
            params = data
            op, msg = self.operation, self.message
            if "operation" in data or "message" in data:
                # Envelope keys without params: most likely params was forgotten.
                errors.append(self._own(s.line, "params", "set", None, "set"))
                return result
        if op is None:
            errors.append(
                self._own(
                    s.line, "operation", "operation", None, "no-operation", op=self.operations[0]
                )
            )
        elif not isinstance(op, str) or op not in self.operations:
            ops = ", ".join(self.operations)
            errors.append(self._at_key(s, "operation", "operation", op, "operation", ops=ops))
            op = None
        if not isinstance(msg, str) or msg not in MESSAGES:
            errors.append(self._at_key(s, "message", "message", msg, "message"))
            msg = None
        for key, line in s.duplicates:
            errors.append(self._own(line, key, "duplicate", None, "duplicate"))
        if op is None or msg is None or params is None:
            return result
        result.message_id = f"{op}.{msg}"
        # Most values are text already: convert only the others (this loop is hot).
        values = {str(k): v if type(v) is str else convert(v) for k, v in params.items()}
        issues: list[_Issue] = self.validators[result.message_id](values, with_mac=self.with_mac)
        folded: dict[str, str] | None = None
        for issue in issues:
            path = (*prefix, issue.key)
            if s.lines is not None and path not in s.lines and msg == "result":
                # Results match keys case-insensitively: find the key as written.
                if folded is None:
                    folded = {str(k).lower(): str(k) for k in params}
                path = (*prefix, folded.get(issue.key.lower(), issue.key))
            errors.append(
                Error(
                    s.key_line(path),
                    issue.key,
                    issue.rule,
                    issue.shown_value() or None,
                    issue.allowed_en if lang == "en" else issue.allowed_de,
                    issue.message(lang),
                )
            )
        return result


# --- the command -------------------------------------------------------------


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
    validators = validators if validators is not None else load_validators()
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
    validators = load_validators()
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
