"""The report of `paygate validate` and its four forms: text, json, junit, github.

Every text of the command is here in English and German (the generated
validators bring their own for the parameters' rules).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import click

from .input import ENVELOPE_KEYS, MAX_DEPTH, FileProblem

FORMATS = ("text", "json", "junit", "github")


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
    "word.error": ("error", "Fehler"),
    "word.fail": ("FAIL", "FEHLER"),
    "title": ("paygate validate", "paygate validate"),
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


# --- the records reports are made of -----------------------------------------


@dataclass(frozen=True)
class Error:
    """One problem of one set, at the line of its key (or of the set)."""

    line: int
    key: str
    rule: str
    value: str | None  # as shown: cut when long, quoted when text
    allowed: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "key": self.key,
            "rule": self.rule,
            "value": self.value,
            "allowed": self.allowed,
            "message": self.message,
        }


@dataclass
class SetResult:
    file: str
    line: int
    index: int
    name: str | None
    message_id: str | None
    errors: list[Error]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def label(self) -> str:
        return self.name or f"set {self.index} at line {self.line}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "name": self.name,
            "message": self.message_id,
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class Report:
    files: list[str]
    results: list[SetResult]
    problems: list[FileProblem]
    lang: str

    @property
    def failed(self) -> list[SetResult]:
        return [r for r in self.results if not r.ok]

    @property
    def passed(self) -> int:
        return len(self.results) - len(self.failed)

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 1 if self.failed else 0

    def summary(self) -> str:
        text = tr(
            "summary",
            self.lang,
            sets=len(self.results),
            files=len(self.files),
            ok=self.passed,
            failed=len(self.failed),
        )
        if self.problems:
            text += tr("summary.unreadable", self.lang, n=len(self.problems))
        return text


# --- the four forms ----------------------------------------------------------


def render_text(r: Report) -> Iterator[str]:
    def red(text: str) -> str:
        return click.style(text, fg="red", bold=True)

    for p in r.problems:
        yield f"{p.where()}: " + red(tr("word.error", r.lang)) + f": {problem_text(p, r.lang)}"
    for s in r.failed:
        what = f" ({s.message_id})" if s.message_id else ""
        head = f"{s.file}:{s.line}: " + red(tr("word.fail", r.lang)) + f" {s.label}{what}: "
        yield head + tr("fail", r.lang, n=len(s.errors))
        for e in s.errors:
            yield f"  {s.file}:{e.line}: {e.message} " + click.style(f"[{e.rule}]", dim=True)
    colour = "red" if r.exit_code else "green"
    yield click.style(r.summary(), fg=colour, bold=True)


def render_json(r: Report) -> str:
    doc = {
        "ok": r.exit_code == 0,
        "exit_code": r.exit_code,
        "summary": {
            "files": len(r.files),
            "sets": len(r.results),
            "passed": r.passed,
            "failed": len(r.failed),
            "input_problems": len(r.problems),
        },
        "problems": [
            {"file": p.file, "line": p.line, "column": p.column, "message": problem_text(p, r.lang)}
            for p in r.problems
        ],
        "sets": [s.as_dict() for s in r.results],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Text safe for XML 1.0: characters XML cannot hold are written as \\xNN."""
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _testcase(suite: ET.Element, file: str, name: str, line: int) -> ET.Element:
    return ET.SubElement(
        suite,
        "testcase",
        classname=_xml(file),
        name=_xml(name),
        file=_xml(file),
        line=str(line),
    )


def render_junit(r: Report) -> str:
    """JUnit XML: a testsuite per file, a testcase per set; unreadable files are errors."""
    root = ET.Element("testsuites", name="paygate validate")
    by_file: dict[str, list[SetResult]] = {f: [] for f in r.files}
    for s in r.results:
        by_file.setdefault(s.file, []).append(s)
    problems: dict[str, list[FileProblem]] = {}
    for p in r.problems:
        problems.setdefault(p.file, []).append(p)
        by_file.setdefault(p.file, [])
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file, sets in by_file.items():
        failures = sum(1 for s in sets if not s.ok)
        errors = len(problems.get(file, []))
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_xml(file),
            tests=str(len(sets) + errors),
            failures=str(failures),
            errors=str(errors),
        )
        for s in sets:
            case = _testcase(suite, file, s.label, s.line)
            if not s.ok:
                fail = ET.SubElement(
                    case,
                    "failure",
                    type="paygate.validate",
                    message=_xml(tr("fail", r.lang, n=len(s.errors))),
                )
                fail.text = _xml("\n".join(f"{file}:{e.line}: {e.message}" for e in s.errors))
        for p in problems.get(file, []):
            case = _testcase(suite, file, p.where(), p.line)
            err = ET.SubElement(
                case, "error", type="paygate.input", message=_xml(problem_text(p, r.lang))
            )
            err.text = _xml(f"{p.where()}: {problem_text(p, r.lang)}")
        totals["tests"] += len(sets) + errors
        totals["failures"] += failures
        totals["errors"] += errors
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(r: Report) -> Iterator[str]:
    """GitHub Actions workflow commands: one ::error annotation per problem."""
    title = tr("title", r.lang)
    for p in r.problems:
        line = max(p.line, 1)
        yield (
            f"::error file={_gh_prop(p.file)},line={line},col={max(p.column, 1)},"
            f"title={_gh_prop(title)}::{_gh_data(problem_text(p, r.lang))}"
        )
    for s in r.failed:
        for e in s.errors:
            t = f"{title}: {s.label} ({e.rule})"
            yield (
                f"::error file={_gh_prop(s.file)},line={e.line},title={_gh_prop(t)}"
                f"::{_gh_data(e.message)}"
            )
    yield r.summary()


# The json and junit forms are one document each: a single "line" to print.
_RENDERERS: dict[str, Callable[[Report], Iterable[str]]] = {
    "text": render_text,
    "json": lambda r: [render_json(r)],
    "junit": lambda r: [render_junit(r)],
    "github": render_github,
}


def render(r: Report, output_format: str) -> Iterable[str]:
    """The report in one of FORMATS, as the lines to print."""
    return _RENDERERS[output_format](r)
