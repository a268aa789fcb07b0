"""Read a vendor page in any of its layouts: the page frame, then the layout readers.

The frame comes from what every page has, whatever its layout:

* Section: an endpoint, from a URL line (``https://www.computop-paygate.com/
  reverse.aspx``, also inside a sentence), a base URL line followed by
  ``NAME.aspx``, or a ``BaseURL`` macro followed by ``NAME.aspx``. Its title is
  the nearest line above that stands alone as a paragraph (blank line before
  and after), is short (at most 12 words) and does not end like a sentence; the
  search stops at the end of the previous table.
* Table: starts where a layout reader recognises table content (a header, a
  table macro, an include, a row) and ends at its caption. Its role (request
  or result) comes from the intro sentence before it (``The following table
  describes the ... request parameters`` / ``Die folgende Tabelle beschreibt
  die ... Übergabeparameter``, or the ``Request_Intro`` / ``Response_Intro``
  macros), else from its caption (``Parameters for ...``, ``Result|Response
  parameters for ...``, ``Parameter für ...``, ``Ergebnis|Antwortparameter für
  ...``), else from its excerpt name (``..._request``, ``..._response``), else
  from its order in the section (request first).
* Caption: a line such as the ones above (and one in the other language right
  after it), or else the first plain line after the rows that no entry follows.
  A table that runs into a new section or intro has no caption (warned); one
  that runs into the end of the text makes the page a truncated export.
* Heading: a line inside a table that no reader takes and an entry follows
  (``Shipping addressLieferadresse``; or an EN line and a DE line).

Inside a table every position goes to the layout readers (``layouts``); a
line none of them takes is listed in ``Page.skipped`` with its line number,
and the lines they pass over as structure (macro parameters, headers) in
``Page.ignored``. A page with no parameter table raises ``PageError``; a table
without rows, or a truncated export, is a ``Page.problems`` entry, which stops
a draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .layouts import READERS, ROW_READERS, is_table_macro
from .layouts.cells import read_macro
from .layouts.columns import pipe_cells, word
from .model import (
    Change,
    Entry,
    Heading,
    Ignored,
    Include,
    Page,
    PageError,
    Row,
    Section,
    Skipped,
    Table,
)
from .reader import Context, Lines, Step
from .text import around, best_boundary, glue_candidates, language, split_endpoint

__all__ = ["PageError", "parse_page"]

_VERSIONS_MARKS = ("Versions Compared", "This line was added.", "This line was removed.")
_URL = re.compile(
    r"https?://\S*?/(?P<name>[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*?\.aspx"
    r"(?:[A-Za-z0-9_\-]+\.aspx)?)(?![A-Za-z0-9_])",
    re.IGNORECASE,
)
_BASE = re.compile(r"https?://\S+/", re.IGNORECASE)
_ASPX = re.compile(r"\S+\.aspx", re.IGNORECASE)
_MACRO = "Multiexcerpt include"
_MACRO_PARAMS = ("SpaceWithExcerpt", "MultiExcerptName", "PageWithExcerpt")
_INTRO_MACRO = re.compile(r"(?i)(?P<kind>request|response|result)_?intro\w*")
_INTRO = re.compile(
    r"(?i)^(?:the following table|the table below|in the following table|"
    r"die folgende tabelle|die nachfolgende tabelle|in der folgenden tabelle|"
    r"folgende tabelle|the following parameters|folgende parameter)"
)
_RESULT_WORDS = re.compile(
    r"(?i)(result|response|return|answer|antwort|ergebnis|rückgabe|rueckgabe)"
)
_REQUEST_WORDS = re.compile(r"(?i)(request|übergabe|uebergabe|aufruf|anfrage|transfer|send)")
_CAPTION_EN = re.compile(
    r"(?i)^(?P<kind>result |response |return |answer |request )?parameters? (?:for|of|in)\b"
)
_CAPTION_DE = re.compile(
    r"(?i)^(?P<kind>ergebnis|antwort|rückgabe|rueckgabe|übergabe|uebergabe|aufruf)?-?"
    r"parameter (?:für|fuer|bei|zur|zum|der|des)\b"
)
_TITLE_END = (".", ":", ",", ";", "!", "?")


@dataclass(frozen=True)
class _Found:
    """Something the frame recognised at a line: what it says, and the line after it."""

    value: str
    end: int
    evidence: str = ""


@dataclass
class _SectionDraft:
    title: str
    endpoint: str
    line: int
    change: Change | None
    tables: list[Table]


class _Frame:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = Lines(text)
        self.warnings: list[str] = []
        self.skipped: list[Skipped] = []
        self.ignored: list[Ignored] = []
        self.problems: list[str] = []
        self.layouts: set[str] = set()
        head = self.lines.lines[:40]
        self.versions = any(line in _VERSIONS_MARKS for line in head)

    def context(self) -> Context:
        return Context(self.lines, self.versions, self.warnings, ends=self.ends)

    def warn(self, idx: int, message: str) -> None:
        self.warnings.append(f"line {idx + 1}: {message}")

    # -- what the frame recognises at a line --

    def endpoint_at(self, i: int) -> _Found | None:
        lines = self.lines
        line = lines.at(i)
        if line == _MACRO:
            end, name = read_macro(self.context(), i)
            if name != "BaseURL":
                return None
            return _Found(lines.at(end), end + 1, "BaseURL macro")
        m = _URL.search(line)
        if m is not None:
            return _Found(m["name"], i + 1, "URL line")
        if _BASE.fullmatch(line):
            k = lines.next_nonblank(i + 1)
            if _ASPX.fullmatch(lines.at(k)):
                return _Found(lines.at(k), k + 1, "base URL line")
        return None

    def intro_at(self, i: int) -> _Found | None:
        line = self.lines.at(i)
        if line == _MACRO:
            end, name = read_macro(self.context(), i)
            m = _INTRO_MACRO.fullmatch(name)
            if m is None:
                return None
            role = "request" if m["kind"].lower() == "request" else "result"
            return _Found(role, end, f"{name} macro (line {i + 1})")
        if not _INTRO.match(line):
            return None
        low = line.lower()
        if re.search(r"(result|response|return|antwort|ergebnis|rückgabe)\w*[\s-]*param", low):
            role = "result"
        elif _REQUEST_WORDS.search(low):
            role = "request"
        elif _RESULT_WORDS.search(low):
            role = "result"
        else:
            role = ""
        return _Found(role, i + 1, f"intro sentence (line {i + 1})")

    def caption_at(self, i: int) -> tuple[str, str] | None:
        """``(language, role)`` when line ``i`` reads like a table caption."""
        line = self.lines.at(i)
        if (m := _CAPTION_EN.match(line)) is not None:
            kind = (m["kind"] or "").strip().lower()
            return "en", "request" if kind in ("", "request") else "result"
        if (m := _CAPTION_DE.match(line)) is not None:
            kind = (m["kind"] or "").lower()
            return "de", "request" if kind in ("", "übergabe", "uebergabe", "aufruf") else "result"
        return None

    def ends(self, ctx: Context, i: int, rows: bool = True) -> bool:
        """Whether line ``i`` ends a cell: an entry, a caption, a new section or intro.

        ``rows=False``: only what cannot be a text (not the start of a row, which a
        text such as "an32" may look like).
        """
        readers = READERS if rows else [r for r in READERS if not isinstance(r, ROW_READERS)]
        if any(r.starts(ctx, i) for r in readers):
            return True
        if self.caption_at(i) is not None or self.intro_at(i) is not None:
            return True
        line = self.lines.at(i)
        return line == _MACRO and read_macro(ctx, i)[1] == "BaseURL"

    def starts_entry(self, ctx: Context, i: int) -> bool:
        return any(r.starts(ctx, i) for r in READERS) and not is_table_macro(ctx, i)

    # -- the page --

    def run(self) -> Page:
        lines = self.lines
        sections: list[_SectionDraft] = []
        intro: _Found | None = None
        boundary = 0  # where the search for a section title stops
        probe = self.context()
        i = 0
        while i < lines.n:
            ep = self.endpoint_at(i)
            if ep is not None:
                sections.append(self.section(i, ep, boundary))
                intro = None
                i = ep.end
                continue
            found = self.intro_at(i)
            if found is not None:
                intro = found
                i = found.end
                continue
            if lines.at(i) == _MACRO:
                i = read_macro(probe, i)[0]
                continue
            if any(r.starts(probe, i) for r in READERS):
                table, i = self.table(i, intro)
                if not sections:
                    self.warn(table.line - 1, "table before any section (no endpoint line)")
                    sections.append(_SectionDraft("", "", table.line, None, []))
                sections[-1].tables.append(table)
                intro = None
                boundary = i
                continue
            i += 1
        if not any(s.tables for s in sections):
            raise PageError(self.no_table())
        for s in sections:
            if not s.tables:
                self.warn(s.line - 1, f"section {s.title!r} has no parameter table")
            self.roles(s)
        if self.versions:
            self.layouts.add("Versions Compared")
        return Page(
            source=self.source,
            sections=tuple(
                Section(s.title, s.endpoint, s.line, tuple(s.tables), s.change) for s in sections
            ),
            warnings=tuple(self.warnings),
            skipped=tuple(self.skipped),
            ignored=tuple(self.ignored),
            problems=tuple(self.problems),
            versions=self.versions,
            layouts=tuple(sorted(self.layouts)),
        )

    def no_table(self) -> str:
        last = max(self.lines.n, 1)
        hint = ""
        for idx, line in enumerate(self.lines.lines):
            cells = pipe_cells(line) if "|" in line else []
            if len(cells) >= 2 and any(word(c) is not None for c in cells):
                hint = (
                    f"; line {idx + 1} looks like a table header without Key, Format and CND "
                    f"columns, so it is no parameter table: {line!r}"
                )
                break
        return (
            f"{self.source}: line {last}: end of input without any parameter table (no "
            "Key/Format/CND header, 'Table Filter' or 'Table Excerpt Include' block, or "
            f"parameter row){hint}"
        )

    def section(self, i: int, ep: _Found, boundary: int) -> _SectionDraft:
        title_idx = self.find_title(i, boundary)
        title = self.lines.at(title_idx) if title_idx >= 0 else ""
        if title_idx < 0:
            self.warn(i, "no section title found above the endpoint")
        line = (title_idx if title_idx >= 0 else i) + 1
        token = ep.value
        if not token:
            self.warn(ep.end - 1, "no endpoint file name right after the BaseURL block")
            return _SectionDraft(title, "", line, None, [])
        words = token.split()
        named = [w for w in words if ".aspx" in w.lower()]
        if len(words) > 1:
            self.warn(ep.end - 1, f"endpoint line holds more than a file name: {token!r}")
        endpoint, change, problem = split_endpoint(named[0] if named else token)
        if change is not None and not self.versions:
            self.warn(ep.end - 1, f"endpoint {token!r} holds two names; kept as printed")
            endpoint, change = named[0] if named else token, None
        elif problem:
            self.warn(ep.end - 1, problem)
        return _SectionDraft(title, endpoint, line, change, [])

    def find_title(self, start: int, boundary: int) -> int:
        lines = self.lines
        for k in range(start - 1, boundary - 1, -1):
            line = lines.lines[k]
            if not line or line.startswith(_MACRO_PARAMS) or line == _MACRO:
                continue
            standalone = (k == 0 or not lines.lines[k - 1]) and not lines.at(k + 1)
            if (
                standalone
                and not line.endswith(_TITLE_END)
                and len(line.split()) <= 12
                and len(line) <= 100
                and _URL.search(line) is None
            ):
                return k
        return -1

    # -- tables --

    def table(self, start: int, intro: _Found | None) -> tuple[Table, int]:
        lines = self.lines
        ctx = self.context()
        entries: list[Entry] = []
        layouts: set[str] = set()
        caption = caption_de = ""
        caption_role = ""
        strays = 0
        j = start
        while True:
            j = lines.next_nonblank(j)
            if j >= lines.n:
                self.problems.append(
                    f"line {lines.n}: the page ends inside the table that starts at line "
                    f"{start + 1} (no caption): the export looks truncated"
                )
                break
            opened = bool(entries) or ctx.header_seen
            if opened and (self.endpoint_at(j) is not None or self.intro_at(j) is not None):
                self.warn(j, f"table {ctx.excerpt!r} ends without a caption where a new one starts")
                break
            if entries and is_table_macro(ctx, j):
                self.warn(j, f"table {ctx.excerpt!r} ends without a caption where another starts")
                break
            cap = self.caption_at(j)
            if cap is not None and opened:
                caption, caption_de, caption_role, j = self.captions(j, cap)
                break
            step = self.step(ctx, j)
            if step is not None:
                if step.entry is not None:
                    entries.append(step.entry)
                elif step.structure:
                    self.ignore(j, step.next - 1, step.structure)
                if step.layout:
                    layouts.update(step.layout.split(", "))
                j = step.next
                continue
            line = lines.at(j)
            n1 = lines.next_nonblank(j + 1)
            if entries and self.starts_entry(ctx, n1):
                entries.append(self.heading(j, None))
                j += 1
                continue
            n2 = lines.next_nonblank(n1 + 1)
            if (
                entries
                and len(ctx.columns.languages) == 2
                and self.step_free(ctx, n1)
                and self.starts_entry(ctx, n2)
                and all(_short(lines.at(k)) for k in (j, n1))
            ):
                entries.append(self.heading(j, n1))
                j = n1 + 1
                continue
            if entries and not self.rows_follow(ctx, j):
                caption = line
                if language(line) == "de":
                    caption, caption_de = "", line
                self.warn(j, f"caption {line!r} does not read like a table caption")
                j += 1
                break
            self.skipped.append(Skipped(j + 1, line, "no table row, header or include"))
            strays += 1
            j += 1
            if strays >= 5:
                self.warn(start, "no rows follow the start of this table")
                break
        first = start + 1
        if not entries:
            self.problems.append(f"line {first}: the table that starts here has no rows")
        role, evidence = self.role(ctx, intro, caption_role, first)
        self.layouts.update(layouts)
        return (
            Table(
                excerpt=ctx.excerpt,
                caption=caption,
                line=first,
                entries=tuple(entries),
                role=role,
                role_from=evidence,
                caption_de=caption_de,
                languages=ctx.columns.languages,
                layouts=tuple(sorted(layouts)),
                end_line=j,
            ),
            j,
        )

    def rows_follow(self, ctx: Context, j: int, lines_ahead: int = 3) -> bool:
        """Whether an entry of this table starts within a few lines after ``j``: then a
        line no reader takes is a stray inside the table, not its caption."""
        k = j
        for _ in range(lines_ahead):
            k = self.lines.next_nonblank(k + 1)
            if k >= self.lines.n or self.endpoint_at(k) is not None or self.intro_at(k):
                return False
            if self.starts_entry(ctx, k):
                return True
        return False

    def step(self, ctx: Context, j: int) -> Step | None:
        for reader in READERS:
            step = reader.read(ctx, j)
            if step is not None:
                return step
        return None

    def step_free(self, ctx: Context, j: int) -> bool:
        """A plain line: no reader, caption or section takes it."""
        return bool(self.lines.at(j)) and not self.ends(ctx, j)

    def ignore(self, first: int, last: int, kind: str) -> None:
        prev = self.ignored[-1] if self.ignored else None
        if prev is not None and prev.kind == kind and prev.last >= first:
            self.ignored[-1] = Ignored(prev.first, last + 1, kind)
        else:
            self.ignored.append(Ignored(first + 1, last + 1, kind))

    def captions(self, j: int, cap: tuple[str, str]) -> tuple[str, str, str, int]:
        """The caption at ``j`` and one in the other language right after it."""
        lines = self.lines
        texts = {cap[0]: lines.at(j)}
        end = j + 1
        k = lines.next_nonblank(end)
        other = self.caption_at(k)
        if other is not None and other[0] != cap[0]:
            texts[other[0]] = lines.at(k)
            end = k + 1
        return texts.get("en", ""), texts.get("de", ""), cap[1], end

    def heading(self, idx: int, de_idx: int | None) -> Heading:
        lines = self.lines
        text = lines.at(idx)
        if de_idx is not None:
            return Heading(text, lines.at(de_idx), idx + 1)
        candidates = glue_candidates(text, strict=True)
        if not candidates:
            self.warn(idx, f"line inside a table read as a heading without German text: {text!r}")
            return Heading(text, "", idx + 1)
        i = candidates[0]
        if len(candidates) > 1:
            i = best_boundary(text, candidates)
            self.warn(idx, f"heading {text!r}: several EN/DE boundaries, chose {around(text, i)!r}")
        return Heading(text[:i].strip(), text[i:].strip(), idx + 1)

    def role(
        self, ctx: Context, intro: _Found | None, caption_role: str, line: int
    ) -> tuple[str, str]:
        excerpt = ctx.excerpt.lower()
        excerpt_role = (
            "request"
            if excerpt.endswith("_request")
            else "result"
            if excerpt.endswith(("_response", "_result"))
            else ""
        )
        said = [
            (role, evidence)
            for role, evidence in (
                (intro.value if intro else "", intro.evidence if intro else ""),
                (caption_role, "caption"),
                (excerpt_role, f"excerpt name {ctx.excerpt}"),
            )
            if role
        ]
        if not said:
            return "", ""
        if len({r for r, _ in said}) > 1:
            shown = ", ".join(f"{e} says {r}" for r, e in said)
            self.warn(line - 1, f"the table's role is unclear ({shown}); taking {said[0][0]}")
        return said[0]

    def roles(self, s: _SectionDraft) -> None:
        """Tables nothing named a role for are request, then result, in page order."""
        taken = {t.role for t in s.tables}
        for n, t in enumerate(s.tables):
            if t.role:
                continue
            role = "request" if "request" not in taken else "result"
            taken.add(role)
            self.warn(t.line - 1, f"nothing on the page says the table's role; read as {role}")
            s.tables[n] = _with_role(t, role, "order in the section")


def _with_role(t: Table, role: str, evidence: str) -> Table:
    return replace(t, role=role, role_from=evidence)


def _short(line: str) -> bool:
    return len(line.split()) <= 8 and not line.endswith((".", ":", ";"))


def parse_page(text: str, source: str = "<page>") -> Page:
    """Read the page ``text`` (any layout); ``source`` names it in messages.

    Raises ``PageError`` only when the text holds no parameter table at all;
    what cannot be read is reported in ``Page.warnings``, ``Page.skipped`` and
    ``Page.problems``, each naming its line.
    """
    return _Frame(text, source).run()


# The row types, for readers of a parsed page.
__all__ += ["Change", "Heading", "Include", "Row", "Section", "Table"]
