"""`paygate validate`: check parameter sets against the generated validators.

A parameter set is one request or result as a merchant would send or receive
it. Sets are read from YAML, JSON or JSON Lines files and checked with
``paygate.VALIDATORS`` (the generated package), so CI checks exactly what the
client checks at run time.

A set names what it is inside the file::

    name: payment with shipping address     # optional, shown in reports
    operation: alipayplus.payment
    message: request                        # or result; default: request
    params:
      MerchantID: Test_Shop
      Amount: 100

A file holds one set, a list of sets, or (YAML) several documents; a JSON
Lines file holds one set per line. With ``--operation`` (and ``--message``) a
set may also be the bare parameter mapping; what a set names itself wins.
Keys starting with ``x-`` are free for your own use, such as YAML anchors
that several sets merge (``params: {<<: *base, Amount: 200}``).

Values: every Paygate parameter is text. YAML and JSON whole numbers become
their digits as written (``Amount: 100`` is ``"100"``, ``TransID: 000123`` is
``"000123"``), booleans become ``true``/``false``. Anything else that is not
text (decimals, null, lists, mappings) is reported as a type error. YAML is
read by the YAML 1.2 core rules, so only true/false are booleans: ``NO``
(Norway) and ``on`` stay text, and dates stay text.

Exit codes: 0 every set passes, 1 a set fails, 2 usage errors or a file that
cannot be read or parsed (the other files are still checked).
"""

from __future__ import annotations

import bisect
import glob
import importlib
import json
import re
import reprlib
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import click
import yaml

Path_ = tuple[str | int, ...]

ENVELOPE_KEYS = ("name", "operation", "message", "params")
MESSAGES = ("request", "result")
FORMATS = ("text", "json", "junit", "github")
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
PROGRESS_FROM = 1000  # sets; smaller batches finish before a bar is worth drawing
MAX_DEPTH = 200  # nesting deeper than this is not a parameter set


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
    "top": (
        "expected a parameter set or a list of sets, found {found}",
        "erwartet ein Parametersatz oder eine Liste von Sätzen, gefunden: {found}",
    ),
    "progress": ("Validating", "Prüfe"),
    "word.error": ("error", "Fehler"),
    "word.fail": ("FAIL", "FEHLER"),
    "title": ("paygate validate", "paygate validate"),
}


def _t(key: str, lang: str, **kw: object) -> str:
    en, de = TEXTS[key]
    return (en if lang == "en" else de).format(**kw)


# --- the records reports are made of -----------------------------------------


class _Issue(Protocol):
    """What this module uses of the generated ``paygate.Issue``."""

    key: str
    rule: str
    allowed_en: str
    allowed_de: str

    def shown_value(self) -> str: ...

    def message(self, lang: str = "en") -> str: ...


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


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be read or parsed, or a name that matched nothing."""

    file: str
    line: int  # 0: the whole file
    column: int
    message: str

    def where(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class RawSet:
    """One set as read from its file, before its envelope is interpreted."""

    file: str
    line: int
    index: int  # 1-based position in the file
    data: object
    lines: dict[Path_, int] | None  # line of each key by path; None: all on ``line``
    duplicates: list[tuple[str, int]] = field(default_factory=list)

    def key_line(self, path: Path_) -> int:
        if self.lines is None:
            return self.line
        return self.lines.get(path, self.line)


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


class _Null:
    """A null value: not text, so the validators report it as a type error.

    Passing None would read as "key absent" to the validators and hide the
    mistake (a mandatory key would be "missing", an optional one silently fine).
    """

    def __repr__(self) -> str:
        return "null"


NULL = _Null()


class Decimal:
    """A number with a fraction or exponent, kept as written (12.50 stays 12.50).

    It is not text, so the validators report it as a type error (an Amount
    is given in the smallest currency unit, 1250, not 12.50).
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring = 2, 4, 4, 30


class Structure:
    """A list or mapping given as a value: not text, shown in a few characters.

    The shown form is bounded, so a YAML alias bomb (lists of aliases of lists)
    cannot make a message explode.
    """

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return _SHORT.repr(self.value)


def convert(value: object) -> object:
    """A read value as the validators take it: booleans as true/false, null marked."""
    if value is None:
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):  # only from callers that pass Python ints
        return str(value)
    if isinstance(value, list | dict):
        return Structure(value)
    return value


# --- reading -----------------------------------------------------------------


class ReadError(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class _PlainLoader(yaml.SafeLoader):
    """Composes YAML without YAML 1.1's implicit types; this module resolves scalars."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class table


_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)


def _scalar_value(node: yaml.ScalarNode) -> object:
    """YAML 1.2 core rules for plain scalars; quoted and block scalars are text."""
    text: str = node.value
    if node.style is not None:
        return text
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _FLOAT.fullmatch(text):
        return Decimal(text)
    return text  # whole numbers stay as written: TransID 000123 keeps its zeros


class _YamlBuilder:
    """Plain data from composed YAML nodes, with the line of every key."""

    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}
        self.duplicates: list[tuple[Path_, int]] = []
        self._active: set[int] = set()
        self._built: dict[int, object] = {}
        self._path_of: dict[int, Path_] = {}  # where an anchored node was first built

    def _copy_key_lines(self, node: yaml.Node, path: Path_) -> None:
        """Give the keys of an alias (*base) or merge (<<: *base) the lines of the anchor."""
        source = self._path_of.get(id(node))
        if source is None or not isinstance(node, yaml.MappingNode):
            return
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and (*source, key_node.value) in self.lines:
                self.lines.setdefault(
                    (*path, key_node.value), self.lines[(*source, key_node.value)]
                )

    def build(self, node: yaml.Node, path: Path_, depth: int = 0) -> object:
        line = node.start_mark.line + 1
        if depth > MAX_DEPTH:
            raise ReadError(line, node.start_mark.column + 1, "too-deep")
        if id(node) in self._active:
            raise ReadError(line, node.start_mark.column + 1, "alias-cycle")
        if id(node) in self._built:  # an alias: share the value, do not expand it again
            self._copy_key_lines(node, path)
            return self._built[id(node)]
        self._active.add(id(node))
        self._path_of[id(node)] = path
        out: object
        if isinstance(node, yaml.MappingNode):
            mapping: dict[str, object] = {}
            merged: dict[str, object] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<":
                    # A merge key (<<: *base): its keys fill in what the mapping lacks.
                    sources = (
                        value_node.value
                        if isinstance(value_node, yaml.SequenceNode)
                        else [value_node]
                    )
                    for src in sources:
                        got = self.build(src, path, depth + 1)
                        if isinstance(got, dict):
                            for k, v in got.items():
                                merged.setdefault(k, v)
                        self._copy_key_lines(src, path)
                    continue
                key = self._key(key_node)
                if key in mapping:
                    self.duplicates.append(((*path, key), key_line))
                self.lines[(*path, key)] = key_line
                mapping[key] = self.build(value_node, (*path, key), depth + 1)
            for k, v in merged.items():
                mapping.setdefault(k, v)
            out = mapping
        elif isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, i), depth + 1))
            out = items
        else:
            assert isinstance(node, yaml.ScalarNode)
            out = _scalar_value(node)
        self._active.discard(id(node))
        self._built[id(node)] = out
        return out

    def _key(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        # A mapping or list as a key: keep it visible as text, the validator
        # reports it as an unknown parameter.
        return str(self.build(node, ("?",)))


def _split(
    file: str, data: object, lines: dict[Path_, int], dups: list[tuple[Path_, int]], base: int
) -> list[RawSet]:
    """The sets of one parsed document: the document itself or its list items."""
    if isinstance(data, list):
        per_item: dict[int, dict[Path_, int]] = {i: {} for i in range(len(data))}
        for path, line in lines.items():
            if path and isinstance(path[0], int) and path[0] in per_item:
                per_item[path[0]][path[1:]] = line
        dups_by: dict[int, list[tuple[str, int]]] = {}
        for path, line in dups:
            if path and isinstance(path[0], int):
                dups_by.setdefault(path[0], []).append((str(path[-1]), line))
        return [
            RawSet(
                file,
                lines.get((i,), 1),
                base + i + 1,
                item,
                per_item[i],
                dups_by.get(i, []),
            )
            for i, item in enumerate(data)
        ]
    return [
        RawSet(file, lines.get((), 1), base + 1, data, lines, [(str(p[-1]), ln) for p, ln in dups])
    ]


def read_yaml(file: str, text: str) -> list[RawSet]:
    out: list[RawSet] = []
    try:
        for root in yaml.compose_all(text, Loader=_PlainLoader):
            if root is None:
                continue
            b = _YamlBuilder()
            b.lines[()] = root.start_mark.line + 1
            data = b.build(root, ())
            out.extend(_split(file, data, b.lines, b.duplicates, len(out)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise ReadError(line, col, f"yaml:{problem}") from exc
    return out


# json's own string decoder (C-accelerated); typeshed does not declare it.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = getattr(  # noqa: B009
    json.decoder, "scanstring"
)
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class _JsonReader:
    """A small JSON parser that records the line of every key.

    Python's json module gives no positions; this one gives them and uses
    json's own string decoder, so strings decode exactly as json.loads does.
    Whole numbers become their digits as text.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.lines: dict[Path_, int] = {}
        self.duplicates: list[tuple[Path_, int]] = []

    def line_col(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_left(self.newlines, pos)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, pos - start + 1

    def fail(self, pos: int, reason: str) -> ReadError:
        line, col = self.line_col(pos)
        return ReadError(line, col, f"json:{reason}")

    def ws(self, pos: int) -> int:
        m = _WS.match(self.text, pos)
        assert m is not None
        return m.end()

    def parse(self) -> object:
        value, end = self.value(self.ws(0), (), 0)
        end = self.ws(end)
        if end != len(self.text):
            raise self.fail(end, "extra data after the value")
        return value

    def string(self, pos: int) -> tuple[str, int]:
        try:
            return _scanstring(self.text, pos + 1, True)
        except json.JSONDecodeError as exc:
            raise self.fail(exc.pos, exc.msg) from exc

    def value(self, pos: int, path: Path_, depth: int) -> tuple[object, int]:
        if depth > MAX_DEPTH:
            line, col = self.line_col(pos)
            raise ReadError(line, col, "too-deep")
        t = self.text
        c = t[pos : pos + 1]
        if c == "{":
            return self.object(pos, path, depth)
        if c == "[":
            items: list[object] = []
            pos = self.ws(pos + 1)
            if t[pos : pos + 1] == "]":
                return items, pos + 1
            while True:
                self.lines[(*path, len(items))] = self.line_col(pos)[0]
                item, pos = self.value(pos, (*path, len(items)), depth + 1)
                items.append(item)
                pos = self.ws(pos)
                c = t[pos : pos + 1]
                if c == "]":
                    return items, pos + 1
                if c != ",":
                    raise self.fail(pos, "expected ',' or ']'")
                pos = self.ws(pos + 1)
        if c == '"':
            return self.string(pos)
        for word, val in (("true", True), ("false", False), ("null", None)):
            if t.startswith(word, pos):
                return val, pos + len(word)
        m = _NUMBER.match(t, pos)
        if m is not None and m.end() > pos:
            if m.group(1) is None and m.group(2) is None:
                return m.group(0), m.end()  # a whole number: its digits as text
            return Decimal(m.group(0)), m.end()
        raise self.fail(pos, "expected a value" if c else "unexpected end of the file")

    def object(self, pos: int, path: Path_, depth: int) -> tuple[object, int]:
        t = self.text
        obj: dict[str, object] = {}
        pos = self.ws(pos + 1)
        if t[pos : pos + 1] == "}":
            return obj, pos + 1
        while True:
            if t[pos : pos + 1] != '"':
                raise self.fail(pos, "expected a key in double quotes")
            line = self.line_col(pos)[0]
            key, pos = self.string(pos)
            pos = self.ws(pos)
            if t[pos : pos + 1] != ":":
                raise self.fail(pos, "expected ':' after the key")
            if key in obj:
                self.duplicates.append(((*path, key), line))
            self.lines[(*path, key)] = line
            obj[key], pos = self.value(self.ws(pos + 1), (*path, key), depth + 1)
            pos = self.ws(pos)
            c = t[pos : pos + 1]
            if c == "}":
                return obj, pos + 1
            if c != ",":
                raise self.fail(pos, "expected ',' or '}'")
            pos = self.ws(pos + 1)


def read_json(file: str, text: str) -> list[RawSet]:
    r = _JsonReader(text)
    data = r.parse()
    r.lines[()] = r.line_col(r.ws(0))[0]
    return _split(file, data, r.lines, r.duplicates, 0)


def read_jsonl(file: str, text: str) -> tuple[list[RawSet], list[FileProblem]]:
    """One set per line; a bad line is a problem of its own, the other lines still count."""
    sets: list[RawSet] = []
    problems: list[FileProblem] = []
    dups: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        out = dict(items)
        if len(out) != len(items):
            seen: set[str] = set()
            for k, _ in items:
                if k in seen:
                    dups.append(k)
                seen.add(k)
        return out

    decode = json.JSONDecoder(
        object_pairs_hook=pairs, parse_int=str, parse_float=Decimal, parse_constant=Decimal
    ).decode
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = decode(line)
        except ValueError as exc:  # JSONDecodeError, or a number too long to convert
            col = getattr(exc, "colno", 1)
            reason = getattr(exc, "msg", str(exc))
            problems.append(FileProblem(file, n, col, f"json:{reason}"))
            dups.clear()
            continue
        sets.append(RawSet(file, n, len(sets) + 1, data, None, [(k, n) for k in dups]))
        dups.clear()
    return sets, problems


def read_file(path: str, input_format: str) -> tuple[list[RawSet], list[FileProblem]]:
    """Every set of one file, or the reason it cannot be read (with its line)."""
    fmt = input_format
    if fmt == "auto":
        fmt = SUFFIXES.get(Path(path).suffix.lower(), "")
        if not fmt:
            return [], [FileProblem(path, 0, 0, "unknown-suffix")]
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        return [], [FileProblem(path, 0, 0, f"unreadable:{exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return [], [FileProblem(path, line, column, f"not-utf8:{exc.reason}")]
    try:
        if fmt == "jsonl":
            return read_jsonl(path, text)
        if fmt == "json":
            return read_json(path, text), []
        return read_yaml(path, text), []
    except ReadError as exc:
        return [], [FileProblem(path, exc.line, exc.column, exc.message)]
    except RecursionError:  # PyYAML composes recursively: absurd nesting ends here
        return [], [FileProblem(path, 0, 0, "too-deep")]


def expand(args: Iterable[str]) -> tuple[list[str], list[FileProblem]]:
    """File names from arguments: files, folders (searched for known suffixes) and globs."""
    files: list[str] = []
    problems: list[FileProblem] = []
    for arg in args:
        p = Path(arg)
        if arg == "-" or p.is_file():
            files.append(arg)
        elif p.is_dir():
            found = sorted(
                str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
            )
            files.extend(found)
            if not found:
                problems.append(FileProblem(arg, 0, 0, "no-match"))
        else:
            matched = sorted(glob.glob(arg, recursive=True)) if glob.has_magic(arg) else []
            matched = [m for m in matched if Path(m).is_file()]
            files.extend(matched)
            if not matched:
                problems.append(FileProblem(arg, 0, 0, "no-match"))
    return list(dict.fromkeys(files)), problems  # each file once, in order


def problem_text(p: FileProblem, lang: str) -> str:
    """The message of a FileProblem: 'code:detail' filled into the catalogue."""
    code, _, detail = p.message.partition(":")
    if code in ("yaml", "json", "unreadable", "not-utf8"):
        return _t(code, lang, reason=detail)
    if code == "too-deep":
        return _t(code, lang, n=MAX_DEPTH)
    return _t(code, lang)


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

    def _own(self, line: int, key: str, rule: str, value: object, allowed: str) -> Error:
        shown = None if value is None else _SHORT.repr(value)
        parts = [
            f"{key}: {_t('rule.' + rule, self.lang)}" if key else _t("rule." + rule, self.lang)
        ]
        if shown:
            parts.append(f"{_t('label.value', self.lang)} {shown}")
        text = ", ".join(parts) + f"; {_t('label.allowed', self.lang)}: {allowed}"
        return Error(line, key, rule, shown, allowed, text)

    def check(self, s: RawSet) -> SetResult:
        lang = self.lang
        errors: list[Error] = []
        result = SetResult(s.file, s.line, s.index, None, None, errors)
        data = s.data
        if not isinstance(data, dict):
            errors.append(self._own(s.line, "", "set", data, _t("allowed.set", lang)))
            return result
        if "params" in data:
            prefix: Path_ = ("params",)
            for k in data:
                if k not in ENVELOPE_KEYS and not str(k).startswith("x-"):
                    errors.append(
                        self._own(
                            s.key_line((k,)), k, "envelope", None, _t("allowed.envelope", lang)
                        )
                    )
            params = data["params"]
            if not isinstance(params, dict):
                errors.append(
                    self._own(
                        s.key_line(("params",)), "params", "set", None, _t("allowed.params", lang)
                    )
                )
                params = None
            op = data.get("operation", self.operation)
            msg = data.get("message", self.message)
            name = data.get("name")
            if name is not None and not isinstance(name, str):
                errors.append(
                    self._own(s.key_line(("name",)), "name", "set", None, _t("allowed.name", lang))
                )
                name = None
            result.name = name
        else:
            prefix = ()
            params = data
            op, msg = self.operation, self.message
            if "operation" in data or "message" in data:
                # Envelope keys without params: most likely params was forgotten.
                errors.append(self._own(s.line, "params", "set", None, _t("allowed.set", lang)))
                return result
        ops = ", ".join(self.operations)
        if op is None:
            errors.append(
                self._own(
                    s.line,
                    "operation",
                    "operation",
                    None,
                    _t("allowed.no-operation", lang, op=self.operations[0]),
                )
            )
        elif not isinstance(op, str) or op not in self.operations:
            errors.append(
                self._own(
                    s.key_line(("operation",)),
                    "operation",
                    "operation",
                    op,
                    _t("allowed.operation", lang, ops=ops),
                )
            )
            op = None
        if not isinstance(msg, str) or msg not in MESSAGES:
            errors.append(
                self._own(
                    s.key_line(("message",)),
                    "message",
                    "message",
                    msg,
                    _t("allowed.message", lang),
                )
            )
            msg = None
        for key, line in s.duplicates:
            errors.append(self._own(line, key, "duplicate", None, _t("allowed.duplicate", lang)))
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


# --- reports -----------------------------------------------------------------


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
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 1 if self.failed else 0

    def summary(self) -> str:
        n_failed = len(self.failed)
        text = _t(
            "summary",
            self.lang,
            sets=len(self.results),
            files=len(self.files),
            ok=len(self.results) - n_failed,
            failed=n_failed,
        )
        if self.problems:
            text += _t("summary.unreadable", self.lang, n=len(self.problems))
        return text


def render_text(r: Report) -> Iterator[str]:
    def red(text: str) -> str:
        return click.style(text, fg="red", bold=True)

    for p in r.problems:
        yield f"{p.where()}: " + red(_t("word.error", r.lang)) + f": {problem_text(p, r.lang)}"
    for s in r.failed:
        what = f" ({s.message_id})" if s.message_id else ""
        head = f"{s.file}:{s.line}: " + red(_t("word.fail", r.lang)) + f" {s.label}{what}: "
        yield head + _t("fail", r.lang, n=len(s.errors))
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
            "passed": len(r.results) - len(r.failed),
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
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_xml(file),
                name=_xml(s.label),
                file=_xml(file),
                line=str(s.line),
            )
            if not s.ok:
                fail = ET.SubElement(
                    case,
                    "failure",
                    type="paygate.validate",
                    message=_xml(_t("fail", r.lang, n=len(s.errors))),
                )
                fail.text = _xml("\n".join(f"{file}:{e.line}: {e.message}" for e in s.errors))
        for p in problems.get(file, []):
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_xml(file),
                name=_xml(p.where()),
                file=_xml(file),
                line=str(p.line),
            )
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
    title = _t("title", r.lang)
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
            raw, label=_t("progress", lang), file=sys.stderr, show_pos=True
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
    if output_format == "json":
        click.echo(render_json(report))
    elif output_format == "junit":
        click.echo(render_junit(report))
    elif output_format == "github":
        for line in render_github(report):
            click.echo(line)
    else:
        for line in render_text(report):
            click.echo(line)  # click drops the colours when stdout is not a terminal
    sys.exit(report.exit_code)
