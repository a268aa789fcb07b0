"""The report of `paygate validate` and its five forms: text, json, jsonl, junit, github.

Reports are written as the sets are checked (``Writer``): text, github and
jsonl write each set's lines when it is done, so the report of a file of any
size needs no more memory than one set. The json document writes each set
as it comes too, and keeps only the input problems for its end; junit keeps
its test cases in a temporary file, since the counts of a testsuite come
before its cases.

Every text of the command is here in English and German (the generated
validators bring their own for the parameters' rules).
"""

from __future__ import annotations

import codecs
import functools
import json
import math
import re
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import click

from .input import ENVELOPE_KEYS, MAX_DEPTH, NULL, Decimal, FileProblem, Structure, shorten

FORMATS = ("text", "json", "jsonl", "junit", "github")


# --- texts -------------------------------------------------------------------

# The validator's own messages in both languages (the generated Issue brings
# its own). Placeholders are filled with str.format.
TEXTS: dict[str, tuple[str, str]] = {
    "rule.set": ("not a parameter set", "kein Parametersatz"),
    "rule.envelope": ("unknown key of the set", "unbekannter Schlüssel des Satzes"),
    "rule.operation": ("unknown operation", "unbekannte Operation"),
    "rule.message": ("unknown message", "unbekannte Nachricht"),
    "rule.duplicate": ("key given twice", "Schlüssel doppelt angegeben"),
    "allowed.set": (
        "a mapping with params (and operation, message, name), or the bare parameters "
        "with --operation",
        "eine Zuordnung mit params (und operation, message, name) oder die Parameter "
        "selbst mit --operation",
    ),
    "allowed.params": ("a mapping of key: value", "eine Zuordnung Schlüssel: Wert"),
    "allowed.envelope": (
        "one of: " + ", ".join(ENVELOPE_KEYS) + ", or x-… for your own use (YAML anchors)",
        "einer von: " + ", ".join(ENVELOPE_KEYS) + " oder x-… zur freien Verwendung (YAML-Anker)",
    ),
    "allowed.operation": ("one of: {ops}", "eine von: {ops}"),
    "allowed.no-operation": (
        "an operation named in the set (operation: {op}) or with --operation",
        "eine im Satz genannte Operation (operation: {op}) oder --operation",
    ),
    "allowed.message": ("request or result", "request oder result"),
    "allowed.duplicate": ("each key once", "jeder Schlüssel einmal"),
    "allowed.name": ("text", "Text"),
    "label.allowed": ("allowed", "erlaubt"),
    "label.value": ("value", "Wert"),
    "fail": ("{n} error(s)", "{n} Fehler"),
    "summary": (
        "{sets} set(s) in {files} file(s): {ok} passed, {failed} failed",
        "{sets} Satz/Sätze in {files} Datei(en): {ok} bestanden, {failed} fehlgeschlagen",
    ),
    "summary.unreadable": (", {n} input problem(s)", ", {n} Eingabeproblem(e)"),
    "summary.empty": (", {n} file(s) without sets", ", {n} Datei(en) ohne Sätze"),
    "empty": (
        "no parameter sets in {file} (--allow-empty accepts this)",
        "keine Parametersätze in {file} (--allow-empty lässt das zu)",
    ),
    "cut": (
        "{n} more error(s) not shown ({rules}); --max-errors 0 shows all",
        "{n} weitere Fehler nicht gezeigt ({rules}); --max-errors 0 zeigt alle",
    ),
    "stdin": ("standard input", "Standardeingabe"),
    "no-match": (
        "no file matches this name or pattern",
        "keine Datei passt zu diesem Namen oder Muster",
    ),
    "unknown-suffix": (
        "cannot tell the format from the name; allowed: .yaml, .yml, .json, .jsonl, .ndjson "
        "or --input-format",
        "das Format ist am Namen nicht zu erkennen; erlaubt: .yaml, .yml, .json, .jsonl, "
        ".ndjson oder --input-format",
    ),
    "unreadable": ("cannot read the file: {reason}", "die Datei ist nicht lesbar: {reason}"),
    "not-utf8": ("not UTF-8 text: {reason}", "kein UTF-8-Text: {reason}"),
    "yaml": ("YAML syntax error: {reason}", "YAML-Syntaxfehler: {reason}"),
    "json": ("JSON syntax error: {reason}", "JSON-Syntaxfehler: {reason}"),
    "too-deep": (
        "nested deeper than {n} levels",
        "tiefer als {n} Ebenen verschachtelt",
    ),
    "alias-cycle": (
        "an alias refers to a node that contains it",
        "ein Alias verweist auf einen Knoten, der ihn enthält",
    ),
    "progress": ("Validating", "Prüfe"),
    "progress.sets": ("{sets} sets, {failed} failed", "{sets} Sätze, {failed} fehlgeschlagen"),
    "word.error": ("error", "Fehler"),
    "word.fail": ("FAIL", "FEHLER"),
    "title": ("paygate validate", "paygate validate"),
    "broken-pipe": (
        "the report could not be written: its reader has gone",
        "der Bericht konnte nicht geschrieben werden: sein Leser ist fort",
    ),
}


def tr(key: str, lang: str, **kw: object) -> str:
    """The text ``key`` of TEXTS in ``lang`` (en or de), placeholders filled."""
    en, de = TEXTS[key]
    return (en if lang == "en" else de).format(**kw)


def problem_text(p: FileProblem, lang: str) -> str:
    """The message of a FileProblem: 'code:detail' filled into the catalogue."""
    code, _, detail = p.message.partition(":")
    if code in ("yaml", "json", "unreadable", "not-utf8"):
        return tr(code, lang, reason=detail)
    if code == "too-deep":
        return tr(code, lang, n=MAX_DEPTH)
    return tr(code, lang)


def empty_text(file: str, lang: str) -> str:
    return tr("empty", lang, file=tr("stdin", lang) if file == "-" else file)


# --- values as JSON ----------------------------------------------------------

_JSON_NODES = 100  # a larger list or mapping is shown in its short form


class _TooLarge(Exception):
    pass


def _plain(value: object, budget: list[int]) -> object:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(value, Structure):
        value = value.value
    if isinstance(value, dict):
        return {str(k): _plain(v, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, budget) for v in value]
    return json_value(value)


def json_value(value: object) -> object:
    """A checked value as a JSON value: text as a string, a number as a number, null.

    A list or mapping becomes a JSON array or object; one of more than
    ``_JSON_NODES`` items (a YAML alias bomb, say) is given in its short form
    as a string, so the report stays small.
    """
    if value is None or value is NULL:
        return None
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        # YAML writes .inf and .nan; JSON has no such numbers: keep them as text.
        text = value.text.lower().replace(".inf", "inf").replace(".nan", "nan")
        try:
            number = float(text)
        except ValueError:
            return value.text
        return number if math.isfinite(number) else value.text
    if isinstance(value, Structure | list | dict):
        try:
            return _plain(value, [_JSON_NODES])
        except _TooLarge:
            return shorten(value.value if isinstance(value, Structure) else value)
    return shorten(value)


# --- the records reports are made of -----------------------------------------


class Error(NamedTuple):
    """One problem of one set, at the line of its key (or of the set).

    A tuple: quick to make and to pass between processes.
    """

    line: int
    key: str
    rule: str
    allowed: str
    message: str
    value: object = None  # as checked (None: no value, such as a missing key)

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "key": self.key,
            "rule": self.rule,
            "value": json_value(self.value),
            "allowed": self.allowed,
            "message": self.message,
        }


@dataclass(slots=True)
class SetResult:
    file: str
    line: int
    index: int
    name: str | None
    message_id: str | None
    errors: list[Error]
    # Errors beyond --max-errors, by rule; they count, but are not shown.
    cut: dict[str, int] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        """Every error of the set, shown or not."""
        return len(self.errors) + sum(self.cut.values()) if self.cut else len(self.errors)

    @property
    def label(self) -> str:
        return self.name or f"set {self.index} at line {self.line}"

    def cut_text(self, lang: str) -> str:
        cut = self.cut or {}
        rules = ", ".join(f"{n} {rule}" for rule, n in cut.items())
        return tr("cut", lang, n=sum(cut.values()), rules=rules)

    def packed(self) -> tuple[object, ...]:
        """The result as plain tuples, which pickle fast (from a worker process)."""
        return (self.line, self.name, self.message_id, [tuple(e) for e in self.errors], self.cut)

    @classmethod
    def unpacked(cls, file: str, index: int, packed: tuple[Any, ...]) -> SetResult:
        line, name, message_id, errors, cut = packed
        return cls(file, line, index, name, message_id, [Error(*e) for e in errors], cut)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "name": self.name,
            "message": self.message_id,
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors],
            "errors_not_shown": dict(self.cut or {}),
        }


@dataclass
class Tally:
    """The counts of a run, kept while the sets stream past."""

    lang: str = "en"
    files: int = 0
    sets: int = 0
    failed: int = 0
    problems: int = 0
    empty: int = 0

    @property
    def passed(self) -> int:
        return self.sets - self.failed

    @property
    def exit_code(self) -> int:
        """2: an input problem; 1: a set failed or a file held none; 0: all passed."""
        if self.problems:
            return 2
        return 1 if self.failed or self.empty else 0

    def summary(self) -> str:
        text = tr(
            "summary",
            self.lang,
            sets=self.sets,
            files=self.files,
            ok=self.passed,
            failed=self.failed,
        )
        if self.problems:
            text += tr("summary.unreadable", self.lang, n=self.problems)
        if self.empty:
            text += tr("summary.empty", self.lang, n=self.empty)
        return text

    def as_dict(self) -> dict[str, int]:
        return {
            "files": self.files,
            "sets": self.sets,
            "passed": self.passed,
            "failed": self.failed,
            "input_problems": self.problems,
            "empty_files": self.empty,
        }


# --- the five forms ----------------------------------------------------------


class Out(Protocol):
    """Where a report goes: standard output, or anything that writes text."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


class Writer:
    """Writes one report form to ``out`` as the run goes.

    The command calls ``file`` when it starts a file, ``set`` for each checked
    set, ``problem`` for what cannot be read, ``empty`` for a file without sets,
    and ``end`` once. Failures are flushed as they are written, at most every
    ``flush_every`` seconds (0: each one, for input that arrives slowly), so a
    person or the next step of a pipe sees them at once.
    """

    every_set = True  # False: ``set`` writes failing sets only (passing ones need not come)

    def __init__(self, out: Out, lang: str, styled: bool = False) -> None:
        self.out = out
        self.lang = lang
        self.styled = styled
        self.flush_every = 0.1
        self.flushed = -math.inf

    def flush(self) -> None:
        now = time.monotonic()
        if now - self.flushed >= self.flush_every:
            self.out.flush()
            self.flushed = now

    def file(self, name: str) -> None:
        pass

    def set(self, s: SetResult) -> None:
        pass

    def problem(self, p: FileProblem) -> None:
        pass

    def empty(self, file: str) -> None:
        pass

    def end(self, tally: Tally) -> None:
        pass

    def style(self, text: str, **kw: object) -> str:
        return click.style(text, **kw) if self.styled else text  # type: ignore[arg-type]


class TextWriter(Writer):
    every_set = False

    def __init__(self, out: Out, lang: str, styled: bool = False) -> None:
        super().__init__(out, lang, styled)
        # The escape codes around a dimmed text, or none.
        on, _, off = self.style("|", dim=True).partition("|")
        self.dim = on, off

    def red(self, text: str) -> str:
        return self.style(text, fg="red", bold=True)

    def problem(self, p: FileProblem) -> None:
        error = self.red(tr("word.error", self.lang))
        self.out.write(f"{p.where()}: {error}: {problem_text(p, self.lang)}\n")
        self.flush()

    def set(self, s: SetResult) -> None:
        if not s.errors:
            return
        lang = self.lang
        what = f" ({s.message_id})" if s.message_id else ""
        lines = [
            f"{s.file}:{s.line}: {self.red(tr('word.fail', lang))} {s.label}{what}: "
            + tr("fail", lang, n=s.total)
        ]
        # One line per error (the loop that runs most for a file of failures).
        on, off = self.dim
        file = s.file
        lines += [f"  {file}:{e.line}: {e.message} {on}[{e.rule}]{off}" for e in s.errors]
        if s.cut:
            lines.append(f"  {s.file}:{s.line}: {s.cut_text(lang)}")
        self.out.write("\n".join(lines) + "\n")
        self.flush()

    def empty(self, file: str) -> None:
        fail = self.red(tr("word.fail", self.lang))
        self.out.write(f"{file}: {fail} {empty_text(file, self.lang)}\n")
        self.flush()

    def end(self, tally: Tally) -> None:
        colour = "red" if tally.exit_code else "green"
        self.out.write(self.style(tally.summary(), fg=colour, bold=True) + "\n")
        self.out.flush()


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubWriter(Writer):
    """GitHub Actions workflow commands: one ::error annotation per problem."""

    every_set = False

    def annotate(self, file: str, line: int, title: str, text: str, col: int = 0) -> str:
        at = f"file={_gh_prop(file)},line={max(line, 1)}" + (f",col={col}" if col else "")
        return f"::error {at},title={_gh_prop(title)}::{_gh_data(text)}\n"

    def problem(self, p: FileProblem) -> None:
        text = problem_text(p, self.lang)
        title = tr("title", self.lang)
        self.out.write(self.annotate(p.file, p.line, title, text, max(p.column, 1)))
        self.flush()

    def set(self, s: SetResult) -> None:
        if not s.errors:
            return
        title = tr("title", self.lang)
        lines = [
            self.annotate(s.file, e.line, f"{title}: {s.label} ({e.rule})", e.message)
            for e in s.errors
        ]
        if s.cut:
            lines.append(
                self.annotate(s.file, s.line, f"{title}: {s.label}", s.cut_text(self.lang))
            )
        self.out.write("".join(lines))
        self.flush()

    def empty(self, file: str) -> None:
        self.out.write(self.annotate(file, 1, tr("title", self.lang), empty_text(file, self.lang)))
        self.flush()

    def end(self, tally: Tally) -> None:
        self.out.write(tally.summary() + "\n")
        self.out.flush()


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _problem_dict(p: FileProblem, lang: str) -> dict[str, object]:
    return {"file": p.file, "line": p.line, "column": p.column, "message": problem_text(p, lang)}


def _empty_dict(file: str, lang: str) -> dict[str, object]:
    return {"file": file, "message": empty_text(file, lang)}


class JsonLinesWriter(Writer):
    """JSON Lines: one object per set, problem and empty file, then the summary.

    Each object says what it is in ``kind``: set, problem, empty or summary.
    """

    def set(self, s: SetResult) -> None:
        self.out.write(_dumps({"kind": "set", **s.as_dict()}) + "\n")
        if s.errors:
            self.flush()

    def problem(self, p: FileProblem) -> None:
        self.out.write(_dumps({"kind": "problem", **_problem_dict(p, self.lang)}) + "\n")
        self.flush()

    def empty(self, file: str) -> None:
        self.out.write(_dumps({"kind": "empty", **_empty_dict(file, self.lang)}) + "\n")
        self.flush()

    def end(self, tally: Tally) -> None:
        doc = {
            "kind": "summary",
            "ok": tally.exit_code == 0,
            "exit_code": tally.exit_code,
            "summary": tally.as_dict(),
        }
        self.out.write(_dumps(doc) + "\n")
        self.out.flush()


class JsonWriter(Writer):
    """One JSON document: the sets, one a line, as they come; the rest at the end."""

    def __init__(self, out: Out, lang: str, styled: bool = False) -> None:
        super().__init__(out, lang, styled)
        self.problems: list[dict[str, object]] = []
        self.empties: list[dict[str, object]] = []
        self.first = True
        self.out.write('{\n "sets": [')

    def set(self, s: SetResult) -> None:
        self.out.write(("\n  " if self.first else ",\n  ") + _dumps(s.as_dict()))
        self.first = False

    def problem(self, p: FileProblem) -> None:
        self.problems.append(_problem_dict(p, self.lang))

    def empty(self, file: str) -> None:
        self.empties.append(_empty_dict(file, self.lang))

    def end(self, tally: Tally) -> None:
        rest = {
            "problems": self.problems,
            "empty": self.empties,
            "summary": tally.as_dict(),
            "ok": tally.exit_code == 0,
            "exit_code": tally.exit_code,
        }
        tail = json.dumps(rest, ensure_ascii=False, indent=1)
        self.out.write(("]" if self.first else "\n ]") + ",\n" + tail[2:] + "\n")
        self.out.flush()


@functools.cache
def _xml_bad() -> re.Pattern[str]:
    """What XML 1.0 cannot hold (compiled when a JUnit report is first written)."""
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Text safe for XML 1.0: characters XML cannot hold are written as \\xNN."""
    return _xml_bad().sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"})


def _attr(text: str) -> str:
    """An XML attribute value in double quotes."""
    return '"' + _xml(text).translate(_ATTR) + '"'


@dataclass
class _Suite:
    name: str
    tests: int = 0
    failures: int = 0
    errors: int = 0
    parts: list[tuple[int, int]] = field(default_factory=list)  # spans in the spool


class JUnitWriter(Writer):
    """JUnit XML: a testsuite per file, a testcase per set; unreadable input is an error.

    A testsuite's counts stand in its start tag, before its cases: the cases
    go to a temporary file as they come, and are copied into place at the end.
    """

    def __init__(self, out: Out, lang: str, styled: bool = False) -> None:
        super().__init__(out, lang, styled)
        self.spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed in end
        self.suites: dict[str, _Suite] = {}
        self.last: _Suite | None = None

    def suite(self, name: str) -> _Suite:
        suite = self.suites.get(name)
        if suite is None:
            suite = self.suites[name] = _Suite(name)
        return suite

    def file(self, name: str) -> None:
        self.suite(name)

    def case(self, file: str, name: str, line: int, kind: str = "", **detail: str) -> None:
        case = ET.Element(
            "testcase", classname=_xml(file), name=_xml(name), file=_xml(file), line=str(line)
        )
        if kind:
            text = detail.pop("text")
            sub = ET.SubElement(case, kind, {k: _xml(v) for k, v in detail.items()})
            sub.text = _xml(text)
        ET.indent(case, level=2)
        data = ("    " + ET.tostring(case, encoding="unicode") + "\n").encode()
        suite = self.suite(file)
        start = self.spool.tell()
        self.spool.write(data)
        if suite is self.last and suite.parts:
            suite.parts[-1] = (suite.parts[-1][0], start + len(data))
        else:
            suite.parts.append((start, start + len(data)))
        self.last = suite
        suite.tests += 1
        if kind == "failure":
            suite.failures += 1
        elif kind == "error":
            suite.errors += 1

    def set(self, s: SetResult) -> None:
        if s.ok:
            self.case(s.file, s.label, s.line)
            return
        lines = [f"{s.file}:{e.line}: {e.message}" for e in s.errors]
        if s.cut:
            lines.append(f"{s.file}:{s.line}: {s.cut_text(self.lang)}")
        self.case(
            s.file,
            s.label,
            s.line,
            "failure",
            type="paygate.validate",
            message=tr("fail", self.lang, n=s.total),
            text="\n".join(lines),
        )

    def problem(self, p: FileProblem) -> None:
        text = problem_text(p, self.lang)
        self.case(
            p.file,
            p.where(),
            p.line,
            "error",
            type="paygate.input",
            message=text,
            text=f"{p.where()}: {text}",
        )

    def empty(self, file: str) -> None:
        text = empty_text(file, self.lang)
        self.case(file, text, 0, "failure", type="paygate.empty", message=text, text=text)

    def _copy(self, start: int, stop: int) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")()
        self.spool.seek(start)
        left = stop - start
        while left > 0:
            chunk = self.spool.read(min(left, 1 << 16))
            if not chunk:
                break
            self.out.write(decoder.decode(chunk))
            left -= len(chunk)

    def end(self, tally: Tally) -> None:
        def counts(tests: int, failures: int, errors: int) -> str:
            return f'tests="{tests}" failures="{failures}" errors="{errors}"'

        suites = self.suites.values()
        total = counts(
            sum(s.tests for s in suites),
            sum(s.failures for s in suites),
            sum(s.errors for s in suites),
        )
        out = self.out
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<testsuites name="paygate validate" {total}>\n')
        for s in suites:
            name = _attr(s.name)
            head = f"  <testsuite name={name} {counts(s.tests, s.failures, s.errors)}"
            if not s.parts:
                out.write(head + " />\n")
                continue
            out.write(head + ">\n")
            for start, stop in s.parts:
                self._copy(start, stop)
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")
        out.flush()
        self.spool.close()


WRITERS: dict[str, Callable[[Out, str, bool], Writer]] = {
    "text": TextWriter,
    "json": JsonWriter,
    "jsonl": JsonLinesWriter,
    "junit": JUnitWriter,
    "github": GithubWriter,
}
