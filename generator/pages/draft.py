"""Draft a method spec file from a Confluence text export of a vendor page.

``paygate import PAGE.txt`` reads the export with ``generator.pages.parse`` and writes
``<method>.yaml`` in the spec's format: one operation per page section, with its
endpoint, the request and result tables, include rows named as in shared.yaml,
and the page's explicit rows with key, format, CND and both texts.

What the draft leaves to a person, and how it says so:

* ``TODO:`` texts. The export has no German captions or titles, so their ``de``
  is ``"TODO: translate"``; a text the page does not give at all (the method
  title, a missing caption) is ``"TODO: not on the page"``. Lint's
  missing-translation check fires on empty texts only, so a draft with markers
  loads and lints; search the file for ``TODO:`` before using it.
* ``# changed:`` comments. Where the page shows a row in two versions, the
  draft holds the newer value and the comment gives both.
* ``# CHECK:`` comments. Rows the parser could not read for certain carry its
  note; unknown includes and anything else the importer could not map say why.
* Not derived from the page: rules for C rows, value lists, defaults, checks
  (ISO codes), ``enforce:`` and errata. ``mac`` follows Paygate's MAC rule
  (request ``PayID*TransID*MerchantID*Amount*Currency``, result
  ``PayID*TransID*mid*Status*Code``; a field that is not a key of the table stays
  empty) and ``base_url`` is Paygate's documented base URL, since the page's
  BaseURL excerpt is not in the export.

The YAML is written as text, not through a YAML library, so that it can carry
the comments above; every string is double-quoted with YAML escapes.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..spec.model import Legend, Parameter, Spec
from .parse import Heading, Include, Page, Row, Section, Table

__all__ = [
    "BASE_URL",
    "TODO_MISSING",
    "TODO_TRANSLATE",
    "Draft",
    "DraftError",
    "Note",
    "draft_spec",
    "expand_wording",
    "method_from_page",
    "operation_name",
    "resolve_include",
    "split_warning",
    "write_new",
    "yaml_name",
    "yaml_str",
]

TODO_TRANSLATE = "TODO: translate"
TODO_MISSING = "TODO: not on the page"
BASE_URL = "https://www.computop-paygate.com/"

# Operations that follow a payment, named as their endpoint file (reverse.aspx ...).
FOLLOW_UPS = ("reverse", "credit", "inquire")
# Paygate's MAC input fields in order (reference §4); absent fields stay empty.
REQUEST_MAC = ("PayID", "TransID", "MerchantID", "Amount", "Currency")
RESULT_MAC = ("PayID", "TransID", "mid", "Status", "Code")

_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")


class DraftError(ValueError):
    """The page cannot be turned into a draft (for example no method name can be found)."""


@dataclass(frozen=True)
class Note:
    """Something a reviewer of the draft must look at; ``line`` is the page line."""

    kind: str  # changed, ambiguous, include-unknown, page-warning, unplaced
    line: int
    table: str
    key: str
    message: str

    def __str__(self) -> str:
        where = " ".join(x for x in (self.table, self.key) if x)
        return f"line {self.line}: [{self.kind}] {where + ': ' if where else ''}{self.message}"


@dataclass(frozen=True)
class Draft:
    method: str
    text: str  # the YAML document
    notes: tuple[Note, ...]

    @property
    def file_name(self) -> str:
        return f"{self.method}.yaml"


# --- Pieces shared with the audit -------------------------------------------------------------


def normalize(text: str) -> str:
    """Whitespace runs (including NBSP) as one space, without leading or trailing space."""
    return " ".join(text.split())


def expand_wording(text: str, legend: Legend, lang: str) -> tuple[str, tuple[str, ...]]:
    """Replace ``{{Name}}`` placeholders with legend.yaml ``wording``; also return unknown names."""
    wording = dict(legend.wording)
    unknown: list[str] = []

    def sub(m: re.Match[str]) -> str:
        text = wording.get(m[1].strip())
        if text is None:
            unknown.append(m[1])
            return m[0]
        return text.get(lang)

    return normalize(_PLACEHOLDER.sub(sub, text)), tuple(unknown)


def resolve_include(
    library: Mapping[str, Parameter], include: Include
) -> tuple[str | None, Parameter | None]:
    """The shared definition a page include names: ``(library name, definition)``.

    The name must match exactly. Otherwise ``(None, guess)``: a definition whose name
    differs only in case, or whose ``page`` is the include's page, when all such
    candidates share one key (the guess lets a table still be matched by key).
    """
    if include.name in library:
        return include.name, library[include.name]
    fold = include.name.casefold()
    candidates = [p for n, p in library.items() if n.casefold() == fold]
    if not candidates and include.page:
        page = include.page.casefold()
        candidates = [p for p in library.values() if (p.page or "").casefold() == page]
    if candidates and len({p.key for p in candidates}) == 1:
        return None, candidates[0]
    return None, None


def split_warning(warning: str) -> tuple[int, str]:
    """A parser warning ``"line N: text"`` as ``(N, text)``; 0 when it names no line."""
    head, sep, text = warning.partition(": ")
    number = head.removeprefix("line ")
    if sep and head.startswith("line ") and number.isdigit():
        return int(number), text
    return 0, warning


def operation_name(endpoint: str, method: str, payment_taken: bool) -> str:
    """``reverse.aspx`` -> ``reverse``; the method's endpoint (or the first other) -> payment."""
    stem = re.sub(r"[^a-z0-9]", "", endpoint.lower().removesuffix(".aspx"))
    if stem in FOLLOW_UPS:
        return stem
    if stem == method or (not payment_taken and stem):
        return "payment"
    return stem


def method_from_page(page: Page) -> str:
    """The method name: the stem of the first endpoint that is not a follow-up operation."""
    for s in page.sections:
        stem = re.sub(r"[^a-z0-9]", "", s.endpoint.lower().removesuffix(".aspx"))
        if stem and stem not in FOLLOW_UPS:
            return stem
    raise DraftError(
        f"{page.source}: no payment endpoint (a BaseURL line other than "
        f"{', '.join(f + '.aspx' for f in FOLLOW_UPS)}) to name the method after; "
        "pass --method NAME (lower-case letters and digits)"
    )


# --- YAML text --------------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def yaml_str(text: str) -> str:
    """``text`` as a YAML double-quoted scalar; control and line-break characters are escaped."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029, 0xFEFF):
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")  # a lone surrogate cannot be written as UTF-8
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*")
# Words YAML 1.1 reads as booleans or null; they are quoted to stay text.
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def yaml_name(text: str) -> str:
    """An identifier (key, include, excerpt, endpoint) plain when YAML reads it as text."""
    if _PLAIN.fullmatch(text) and text.casefold() not in _RESERVED:
        return text
    return yaml_str(text)


def _comment(text: str) -> str:
    """One comment line's text: no line breaks, so the comment cannot end early."""
    return " ".join(text.split())


def _show(value: str) -> str:
    return repr(value)


# --- The draft --------------------------------------------------------------------------------


@dataclass
class _Writer:
    spec_library: Mapping[str, Parameter]
    legend: Legend
    lines: list[str]
    notes: list[Note]

    def out(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + text)

    def note(self, kind: str, line: int, table: str, key: str, message: str) -> None:
        self.notes.append(Note(kind, line, table, key, message))

    def text_pair(self, indent: int, name: str, en: str, de: str) -> None:
        self.out(indent, f"{name}:")
        self.out(indent + 2, f"en: {yaml_str(en or TODO_MISSING)}")
        self.out(indent + 2, f"de: {yaml_str(de or TODO_TRANSLATE)}")

    def expand(self, text: str, lang: str, indent: int, where: tuple[int, str, str]) -> str:
        expanded, unknown = expand_wording(text, self.legend, lang)
        for name in unknown:
            msg = f"{{{{{name}}}}} is not in legend.yaml wording; kept as printed"
            self.out(indent, f"# CHECK: {_comment(msg)}")
            self.note("ambiguous", *where, msg)
        return expanded

    def message(self, indent: int, table: Table, role: str) -> None:
        if not table.excerpt:
            self.out(indent, "# CHECK: the page table has no MultiExcerptName")
        self.out(indent, f"excerpt: {yaml_name(table.excerpt)}")
        self.text_pair(indent, "caption", normalize(table.caption), "")
        self.out(indent, f"mac: {yaml_str(self.mac(table, role))}")
        self.out(indent, "parameters:")
        for entry in table.entries:
            if isinstance(entry, Include):
                self.include(indent + 2, table, entry)
            elif isinstance(entry, Heading):
                en, de = normalize(entry.en), normalize(entry.de)
                self.out(
                    indent + 2,
                    f"- heading: {{en: {yaml_str(en or TODO_MISSING)}, "
                    f"de: {yaml_str(de or TODO_TRANSLATE)}}}",
                )
            else:
                self.row(indent + 2, table, entry)

    def mac(self, table: Table, role: str) -> str:
        keys: set[str] = set()
        for e in table.entries:
            if isinstance(e, Row):
                keys.add(e.key.casefold())
            elif isinstance(e, Include):
                _, shared = resolve_include(self.spec_library, e)
                if shared is not None:
                    keys.add(shared.key.casefold())
        fields = RESULT_MAC if role == "result" else REQUEST_MAC
        return "*".join(f if f.casefold() in keys else "" for f in fields)

    def include(self, indent: int, table: Table, inc: Include) -> None:
        name, guess = resolve_include(self.spec_library, inc)
        if name is not None:
            self.out(indent, f"- include: {yaml_name(name)}")
            return
        shown = inc.name or "?"
        if guess is not None and guess.include is not None:
            msg = (
                f"include {shown!r} is not in the shared library; the nearest is "
                f"{guess.include!r} (key {guess.key})"
            )
        else:
            msg = f"include {shown!r} is not in the shared library (shared.yaml parameters)"
        self.note("include-unknown", inc.line, table.excerpt, shown, msg)
        self.out(indent, f"- include: {yaml_name(shown)}  # CHECK: {_comment(msg)}")

    def row(self, indent: int, table: Table, row: Row) -> None:
        changes = {c.field: c for c in row.changes}
        where = (row.line, table.excerpt, row.key)
        for ch in row.changes:
            self.note(
                "changed", row.line, table.excerpt, row.key, f"{ch.field} {ch.old!r} -> {ch.new!r}"
            )
        if row.ambiguous:
            self.out(indent, f"# CHECK: page line {row.line}: {_comment(row.note)}")
            self.note("ambiguous", row.line, table.excerpt, row.key, row.note)

        def changed(field: str) -> str:
            c = changes.get(field)
            return f"  # changed: {_show(c.old)} -> {_show(c.new)}" if c else ""

        self.out(indent, f"- key: {yaml_name(row.key)}{changed('key')}")
        body = indent + 2
        if _format_ok(row.format):
            self.out(body, f"format: {row.format}{changed('format')}")
        else:
            self.out(body, f"# CHECK: {row.format!r} is not a spec format such as ans..32")
            self.out(body, f"format: {yaml_str(row.format)}{changed('format')}")
        if row.cnd not in ("M", "O", "C"):
            self.out(body, f"# CHECK: CND {row.cnd!r} is not M, O or C")
            self.out(body, f"cnd: {yaml_str(row.cnd)}{changed('cnd')}")
        else:
            self.out(body, f"cnd: {row.cnd}{changed('cnd')}")
        self.out(body, "description:")
        for lang, text in (("en", row.en), ("de", row.de)):
            c = changes.get(lang)
            if c is not None:
                self.out(
                    body + 2, f"# changed: {_comment(_show(c.old))} -> {_comment(_show(c.new))}"
                )
            value = self.expand(text, lang, body + 2, where)
            if not value:
                value = TODO_TRANSLATE if lang == "de" else TODO_MISSING
            self.out(body + 2, f"{lang}: {yaml_str(value)}")


_FORMAT = re.compile(r"(ans|an|as|ns|a|n)(\.\.)?[0-9]+|bool|dttm")


def _format_ok(raw: str) -> bool:
    return _FORMAT.fullmatch(raw) is not None


def _role_hint(table: Table) -> str | None:
    name = table.excerpt.lower()
    if name.endswith("_request"):
        return "request"
    if name.endswith(("_response", "_result")):
        return "result"
    return None


def split_roles(section: Section) -> tuple[Table | None, Table | None, tuple[Table, ...]]:
    """(request, result, left over): by excerpt suffix, else the first is the request."""
    request = result = None
    rest: list[Table] = []
    for t in section.tables:
        role = _role_hint(t)
        if role is None:
            role = "request" if request is None else "result"
        if role == "request" and request is None:
            request = t
        elif role == "result" and result is None:
            result = t
        else:
            rest.append(t)
    return request, result, tuple(rest)


def draft_spec(page: Page, spec: Spec, method: str | None = None) -> Draft:
    """The draft method file for ``page``; ``spec`` gives the shared library and wording."""
    name = method or method_from_page(page)
    if re.fullmatch(r"[a-z0-9]+", name) is None:
        raise DraftError(f"method name {name!r} must be lower-case letters and digits")
    w = _Writer(dict(spec.library), spec.legend, [], [])
    for warning in page.warnings:
        line, text = split_warning(warning)
        w.note("page-warning", line, "", "", text)
    source = Path(page.source).name
    w.lines += [
        f"# Draft spec of the method {name}, imported from {_comment(source)}",
        "# by `paygate import`.",
        "# Review before use: a '# CHECK:' comment marks a reading that is not certain,",
        "# a '# changed:' comment gives both versions of a row the page shows as changed",
        "# (the newer stands), and every 'TODO:' text is to be written by hand (the",
        "# export has no German captions or titles). Not taken from the page: rules for",
        "# C rows, value lists, defaults, checks, enforce: and errata. The transport is",
        "# browser-form for the payment and server-to-server for the other operations;",
        "# mac follows Paygate's rule (request PayID*TransID*MerchantID*Amount*Currency,",
        "# result PayID*TransID*mid*Status*Code, a field the table lacks left empty).",
        "",
        f"method: {name}",
        "title:",
        f"  en: {yaml_str(TODO_MISSING)}",
        f"  de: {yaml_str(TODO_TRANSLATE)}",
        "provenance:",
        f"  source: {yaml_str(source or 'vendor page export')}",
        "  de: vendor",
        "# Paygate's base URL; the page's BaseURL excerpt is not in the export.",
        f"base_url: {yaml_str(BASE_URL)}",
        "",
        "operations:",
    ]
    payment_taken = False
    used: set[str] = set()
    for index, section in enumerate(page.sections, 1):
        op = operation_name(section.endpoint, name, payment_taken) or f"operation{index}"
        payment_taken = payment_taken or op == "payment"
        if op in used:
            w.note("unplaced", section.line, "", "", f"operation ID {name}.{op} repeats")
            op = f"{op}{index}"
        used.add(op)
        request, result, rest = split_roles(section)
        w.out(2, f"- id: {name}.{op}")
        w.out(4, f"section: {yaml_str(section.title or TODO_MISSING)}")
        w.out(
            4,
            f"title: {{en: {yaml_str(section.title or TODO_MISSING)}, "
            f"de: {yaml_str(TODO_TRANSLATE)}}}",
        )
        ch = section.endpoint_change
        comment = f"  # changed: {_show(ch.old)} -> {_show(ch.new)}" if ch else ""
        if ch is not None:
            w.note("changed", section.line, "", "", f"endpoint {ch.old!r} -> {ch.new!r}")
        if not section.endpoint:
            w.out(4, "# CHECK: no endpoint after the section's BaseURL block")
        w.out(4, f"endpoint: {yaml_name(section.endpoint)}{comment}")
        transport = "browser-form" if op == "payment" else "server-to-server"
        w.out(4, f"transport: {transport}")
        for role, table in (("request", request), ("result", result)):
            if table is None:
                msg = f"section {section.title!r} has no {role} table"
                w.note("unplaced", section.line, "", "", msg)
                w.out(4, f"# CHECK: {_comment(msg)}")
                continue
            w.out(4, f"{role}:")
            w.message(6, table, role)
        for t in rest:
            msg = f"table {t.excerpt!r} (page line {t.line}) is one table too many; left out"
            w.note("unplaced", t.line, t.excerpt, "", msg)
            w.out(4, f"# CHECK: {_comment(msg)}")
        w.out(0, "")
    text = "\n".join(w.lines).rstrip("\n") + "\n"
    return Draft(name, text, tuple(w.notes))


# --- Writing ----------------------------------------------------------------------------------


def write_new(path: Path, text: str, force: bool = False) -> None:
    """Write ``text`` to ``path`` atomically; raise FileExistsError unless ``force``.

    The text goes to a temporary file in the same folder first, so readers see the
    old file or the whole new one, never a part. Without ``force`` the file is put in
    place with a hard link, which fails instead of replacing a file that appeared
    meanwhile.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not force and path.exists():
        raise FileExistsError(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        if force:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise  # someone else wrote the file meanwhile: keep theirs
        except OSError:
            # No hard links on this file system: check and rename instead.
            if path.exists():
                raise FileExistsError(path) from None
            os.replace(tmp, path)
            return
        os.unlink(tmp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
