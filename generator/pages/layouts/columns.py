"""Table headers in every form: which columns a table has, and in which language.

A header names the columns in the vendor's words or in other words some pages
use (layout 5: ``Parameter`` for Key, ``Bedingung`` for CND). A table with only
``Description`` or only ``Beschreibung`` is a one-language table (layout 4):
its rows carry no text in the other language. The header may stand one word a
line (layout 1), glued onto one line (``KeyFormatCNDDescriptionBeschreibung``,
layout 2, often repeated before every row), or as a pipe row followed by a
``---|`` separator (layout 3). Headers inside a table update its columns: a
table of one-row tables, each with its header, reads as one table.
"""

from __future__ import annotations

import re

from ..reader import CND, DE, DEFAULT_COLUMNS, EN, FORMAT, KEY, NUMBER, Columns, Context, Step
from ..text import CND_CELL, FORMAT_CELL

# Header words (compared without case, a trailing ':' or '*' dropped) and their columns.
WORDS: dict[str, str] = {
    "key": KEY,
    "parameter": KEY,
    "parameters": KEY,
    "parametername": KEY,
    "name": KEY,
    "field": KEY,
    "feld": KEY,
    "format": FORMAT,
    "type": FORMAT,
    "typ": FORMAT,
    "datentyp": FORMAT,
    "cnd": CND,
    "bedingung": CND,
    "condition": CND,
    "m/o/c": CND,
    "description": EN,
    "beschreibung": DE,
    "no.": NUMBER,
    "nr.": NUMBER,
    "#": NUMBER,
}
# The vendor's own header; any other word makes the table layout 5.
VENDOR = ("key", "format", "cnd", "description", "beschreibung")

_GLUED = re.compile(
    "(?:" + "|".join(re.escape(w) for w in sorted(WORDS, key=len, reverse=True)) + r")[\s|:*]*",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*(?::?-{3,}:?\s*)?)*\|?")


def word(cell: str) -> str | None:
    return WORDS.get(cell.strip().rstrip(":*").strip().lower())


def _columns(printed: list[str], form: str) -> Columns | None:
    fields = [word(p) for p in printed]
    if any(f is None for f in fields) or KEY not in fields:
        return None
    names = tuple(f for f in fields if f is not None)
    if len(set(names)) != len(names) or not ({FORMAT, CND} & set(names)):
        return None
    return Columns(names, tuple(p.strip() for p in printed), form)


def glued(line: str) -> list[str] | None:
    """The header words of a glued header line, or None when it is no header."""
    words: list[str] = []
    pos = 0
    while pos < len(line):
        m = _GLUED.match(line, pos)
        if m is None or m.end() == pos:
            return None
        words.append(m.group().strip(" \t|"))
        pos = m.end()
    return words if len(words) >= 3 else None


def pipe_cells(line: str) -> list[str]:
    """The cells of a pipe row; ``\\|`` is a literal bar. Empty outer cells are dropped."""
    cells = [c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return [c.strip() for c in cells]


class Header:
    """Any header form; it sets the table's columns and is structure, not a row."""

    def starts(self, ctx: Context, idx: int) -> bool:
        return self._read(ctx, idx) is not None

    def _read(self, ctx: Context, idx: int) -> tuple[Columns, int] | None:
        lines = ctx.lines
        line = lines.at(idx)
        if not line:
            return None
        if "|" in line:
            cols = _columns(pipe_cells(line), "pipes")
            if cols is None:
                return None
            end = idx + 1
            k = lines.next_nonblank(end)
            if _SEPARATOR.fullmatch(lines.at(k)):
                end = k + 1
            return cols, end
        if word(line) in (KEY, NUMBER):
            # One word a line: read header words while they last.
            printed = [line]
            end = idx + 1
            while True:
                k = lines.next_nonblank(end)
                if k >= lines.n or word(lines.at(k)) is None:
                    break
                f = lines.next_nonblank(k + 1)
                c = lines.next_nonblank(f + 1)
                if FORMAT_CELL.fullmatch(lines.at(f)) and CND_CELL.fullmatch(lines.at(c)):
                    break  # a row whose key is a header word ("Description", an32, M)
                printed.append(lines.at(k))
                end = k + 1
            cols = _columns(printed, "lines") if len(printed) >= 3 else None
            return (cols, end) if cols is not None else None
        words = glued(line)
        if words is None:
            return None
        cols = _columns(words, "glued")
        return (cols, idx + 1) if cols is not None else None

    def read(self, ctx: Context, idx: int) -> Step | None:
        found = self._read(ctx, idx)
        if found is None:
            return None
        cols, end = found
        if ctx.header_seen and cols.languages != ctx.columns.languages:
            ctx.warn(
                idx,
                f"header {' / '.join(cols.printed)!r} changes the table's languages from "
                f"{'+'.join(ctx.columns.languages) or 'none'} to "
                f"{'+'.join(cols.languages) or 'none'}",
            )
        ctx.columns = cols
        ctx.header_seen = True
        return Step(end, structure="header", layout=layout_of(cols))


def layout_of(cols: Columns) -> str:
    """The layouts a header shows: 2 (glued), 4 (one language), 5 (other header words)."""
    names: list[str] = []
    if cols.form == "glued":
        names.append("2 rendered text")
    if len(cols.languages) == 1:
        names.append(f"4 one language ({cols.languages[0].upper()})")
    if any(p.lower().rstrip(":*") not in VENDOR for p in cols.printed):
        names.append("5 other header words")
    return ", ".join(names)


__all__ = ["DEFAULT_COLUMNS", "Header", "glued", "layout_of", "pipe_cells", "word"]
