"""Draft a method spec file from a vendor page in any layout.

``paygate import PAGE.txt`` reads the page with ``generator.pages.parse`` and
writes ``<method>.yaml`` in the spec's format: one operation per page section,
with its endpoint and its request and result tables.

Rows:

* An include macro (layout 1) becomes ``include:`` with the shared library's
  name for it.
* A row that is a shared definition (same key, format and CND as one in
  shared.yaml) becomes ``include:``; where its texts differ from the shared
  ones, a ``# CHECK:`` says so.
* A row with a shared key but other values is written out with a ``# CHECK:``
  naming the difference; a new key is written out.
* A format outside the legend (``string``, ``JSON``, ...) is kept verbatim with
  a ``# CHECK:``; so is a CND other than M, O or C and a row number.
* A language the table does not carry, or an empty cell, is ``TODO:``; the
  importer never invents a text.

What the draft leaves to a person, and how it says so:

* ``TODO:`` texts (``TODO: translate``, ``TODO: not on the page``); lint fails
  until they are written.
* ``# changed:`` comments: a "Versions Compared" page shows the row in two
  versions; the draft holds the newer value and the comment gives both.
* ``# CHECK:`` comments: readings that are not certain, with the reader's note.
* Not derived from the page: rules for C rows, value lists, defaults, checks
  (ISO codes), ``enforce:`` and errata. ``mac`` follows Paygate's MAC rule
  (request ``PayID*TransID*MerchantID*Amount*Currency``, result
  ``PayID*TransID*mid*Status*Code``; a field that is not a key of the table
  stays empty) and ``base_url`` is Paygate's documented base URL.

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
from .library import (
    DraftError,
    expand_wording,
    match_shared,
    method_from_page,
    operation_name,
    resolve_include,
    split_warning,
)
from .model import Heading, Include, Page, Row, Section, Table
from .text import SPEC_FORMAT, normalize

__all__ = [
    "BASE_URL",
    "TODO_MISSING",
    "TODO_TRANSLATE",
    "Draft",
    "DraftError",
    "Note",
    "TableCount",
    "draft_spec",
    "write_new",
    "yaml_name",
    "yaml_str",
]

TODO_TRANSLATE = "TODO: translate"
TODO_MISSING = "TODO: not on the page"
BASE_URL = "https://www.computop-paygate.com/"

# Paygate's MAC input fields in order, as its docs give them; absent fields stay empty.
REQUEST_MAC = ("PayID", "TransID", "MerchantID", "Amount", "Currency")
RESULT_MAC = ("PayID", "TransID", "mid", "Status", "Code")


@dataclass(frozen=True)
class Note:
    """Something a reviewer of the draft must look at; ``line`` is the page line."""

    kind: str  # changed, ambiguous, include-unknown, shared, page-warning, skipped, unplaced
    line: int
    table: str
    key: str
    message: str

    def __str__(self) -> str:
        where = " ".join(x for x in (self.table, self.key) if x)
        return f"line {self.line}: [{self.kind}] {where + ': ' if where else ''}{self.message}"


@dataclass(frozen=True)
class TableCount:
    """How many rows one table of the draft got, and of which kind."""

    message: str  # alipayplus.payment.request
    line: int
    rows: int
    includes: int
    explicit: int
    headings: int


@dataclass(frozen=True)
class Draft:
    method: str
    text: str  # the YAML document
    notes: tuple[Note, ...]
    counts: tuple[TableCount, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.method}.yaml"


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


# --- The draft --------------------------------------------------------------------------------


@dataclass
class _Writer:
    spec_library: Mapping[str, Parameter]
    legend: Legend
    lines: list[str]
    notes: list[Note]

    def out(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + text)

    def check(self, indent: int, message: str) -> None:
        self.out(indent, f"# CHECK: {_comment(message)}")

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
            self.check(indent, msg)
            self.note("ambiguous", *where, msg)
        return expanded

    def message(self, indent: int, table: Table, role: str, fallback_excerpt: str) -> TableCount:
        excerpt = table.excerpt or fallback_excerpt
        if not table.excerpt:
            self.check(indent, f"the page names no excerpt for this table; {excerpt} is made up")
        self.out(indent, f"excerpt: {yaml_name(excerpt)}")
        self.text_pair(indent, "caption", normalize(table.caption), normalize(table.caption_de))
        if table.caption_de:
            self.out(indent, "caption_provenance: {source: vendor page, de: vendor}")
        self.out(indent, f"mac: {yaml_str(self.mac(table, role))}")
        self.out(indent, "parameters:")
        includes = explicit = headings = 0
        for entry in table.entries:
            if isinstance(entry, Include):
                self.include(indent + 2, table, entry)
                includes += 1
            elif isinstance(entry, Heading):
                en, de = normalize(entry.en), normalize(entry.de)
                self.out(
                    indent + 2,
                    f"- heading: {{en: {yaml_str(en or TODO_MISSING)}, "
                    f"de: {yaml_str(de or TODO_TRANSLATE)}}}",
                )
                headings += 1
            elif self.row(indent + 2, table, entry, excerpt):
                includes += 1
            else:
                explicit += 1
        return TableCount("", table.line, includes + explicit, includes, explicit, headings)

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

    def row(self, indent: int, table: Table, row: Row, excerpt: str) -> bool:
        """Write one page row; True when it became an include of a shared definition."""
        where = (row.line, excerpt, row.key)
        for ch in row.changes:
            self.note("changed", row.line, excerpt, row.key, f"{ch.field} {ch.old!r} -> {ch.new!r}")
        if row.ambiguous:
            self.check(indent, f"page line {row.line}: {row.note}")
            self.note("ambiguous", row.line, excerpt, row.key, row.note)
        if row.number:
            msg = f"page line {row.line}: the page numbers this row {row.number!r}"
            self.check(indent, msg)
            self.note("ambiguous", row.line, excerpt, row.key, msg)
        shared = match_shared(self.spec_library, row, self.legend) if not row.changes else None
        if shared is not None and shared.name is not None:
            self.out(indent, f"- include: {yaml_name(shared.name)}")
            return True
        if shared is not None and shared.differs:
            msg = f"page line {row.line}: {row.key} is a shared key, but {shared.differs}"
            self.check(indent, msg)
            self.note("shared", row.line, excerpt, row.key, msg)
        changes = {c.field: c for c in row.changes}

        def changed(field: str) -> str:
            c = changes.get(field)
            return f"  # changed: {c.old!r} -> {c.new!r}" if c else ""

        self.out(indent, f"- key: {yaml_name(row.key)}{changed('key')}")
        body = indent + 2
        if SPEC_FORMAT.fullmatch(row.format) is not None:
            self.out(body, f"format: {row.format}{changed('format')}")
        else:
            msg = f"{row.format!r} is not a spec format such as ans..32; decide one"
            self.check(body, msg)
            self.note("ambiguous", row.line, excerpt, row.key, msg)
            self.out(body, f"format: {yaml_str(row.format)}{changed('format')}")
        if row.cnd not in ("M", "O", "C"):
            self.check(body, f"CND {row.cnd!r} is not M, O or C")
            self.out(body, f"cnd: {yaml_str(row.cnd)}{changed('cnd')}")
        else:
            self.out(body, f"cnd: {row.cnd}{changed('cnd')}")
        self.out(body, "description:")
        for lang, text in (("en", row.en), ("de", row.de)):
            c = changes.get(lang)
            if c is not None:
                self.out(body + 2, f"# changed: {_comment(repr(c.old))} -> {_comment(repr(c.new))}")
            value = self.expand(text, lang, body + 2, where) if text else ""
            if not value:
                other = row.de if lang == "en" else row.en
                value = TODO_TRANSLATE if other else TODO_MISSING
            self.out(body + 2, f"{lang}: {yaml_str(value)}")
        return False


def draft_spec(page: Page, spec: Spec, method: str | None = None) -> Draft:
    """The draft method file for ``page``; ``spec`` gives the shared library and wording.

    Raises DraftError when the page has problems that make any draft wrong (a
    table without rows, a truncated export) or no method name can be found.
    """
    if page.problems:
        raise DraftError(
            f"{page.source}: no draft written:\n" + "\n".join(f"  {p}" for p in page.problems)
        )
    name = method or method_from_page(page)
    if re.fullmatch(r"[a-z0-9]+", name) is None:
        raise DraftError(f"method name {name!r} must be lower-case letters and digits")
    w = _Writer(dict(spec.library), spec.legend, [], [])
    for warning in page.warnings:
        line, text = split_warning(warning)
        w.note("page-warning", line, "", "", text)
    for s in page.skipped:
        w.note("skipped", s.line, "", "", f"{s.reason}: {s.text!r}")
    source = Path(page.source).name
    w.lines += [
        f"# Draft spec of the method {name}, imported from {_comment(source)}",
        "# by `paygate import`.",
        "# Review before use: a '# CHECK:' comment marks a reading that is not certain,",
        "# a '# changed:' comment gives both versions of a row the page shows as changed",
        "# (the newer stands), and every 'TODO:' text is to be written by hand (a text",
        "# the page does not give is never invented). Not taken from the page: rules for",
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
        f"  source: {yaml_str(source or 'vendor page')}",
        "  de: vendor",
        "# Paygate's base URL; the endpoints below are relative to it.",
        f"base_url: {yaml_str(BASE_URL)}",
        "",
        "operations:",
    ]
    counts: list[TableCount] = []
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
        comment = f"  # changed: {ch.old!r} -> {ch.new!r}" if ch else ""
        if ch is not None:
            w.note("changed", section.line, "", "", f"endpoint {ch.old!r} -> {ch.new!r}")
        if not section.endpoint:
            w.out(4, "# CHECK: no endpoint for this section on the page")
        w.out(4, f"endpoint: {yaml_name(section.endpoint)}{comment}")
        transport = "browser-form" if op == "payment" else "server-to-server"
        w.out(4, f"transport: {transport}")
        for role, table in (("request", request), ("result", result)):
            if table is None:
                msg = f"section {section.title!r} has no {role} table"
                w.note("unplaced", section.line, "", "", msg)
                w.check(4, msg)
                continue
            if table.role_from == "order in the section":
                w.check(4, f"nothing on the page says this table is the {role}; read by order")
            w.out(4, f"{role}:")
            count = w.message(6, table, role, f"{name}_{op}_{role}")
            counts.append(
                TableCount(
                    f"{name}.{op}.{role}",
                    count.line,
                    count.rows,
                    count.includes,
                    count.explicit,
                    count.headings,
                )
            )
        for t in rest:
            msg = f"table at page line {t.line} is one {t.role} table too many; left out"
            w.note("unplaced", t.line, t.excerpt, "", msg)
            w.check(4, msg)
        w.out(0, "")
    text = "\n".join(w.lines).rstrip("\n") + "\n"
    return Draft(name, text, tuple(w.notes), tuple(counts))


def split_roles(section: Section) -> tuple[Table | None, Table | None, tuple[Table, ...]]:
    """The section's request and result tables (the first of each role) and the rest."""
    request = result = None
    rest: list[Table] = []
    for t in section.tables:
        if t.role == "request" and request is None:
            request = t
        elif t.role == "result" and result is None:
            result = t
        else:
            rest.append(t)
    return request, result, tuple(rest)


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
