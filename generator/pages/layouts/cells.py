"""Rows with one cell a line: the explicit rows of layout 1, and layouts 2, 4 and 5.

A row is its key, format and CND cells on lines of their own (in the order the
header gives; blank lines between them or not), then one text cell per
description column. A text cell is a run of non-blank lines; a blank line ends
it, except that a cell continues into a ``Multiexcerpt include`` macro when its
text so far does not end a sentence (``... discussed with`` +
``{{Helpdesk-Name}}`` + ``(configured in MAT).``). When a two-language row's
text stands in one run, it is cut where the lines before read English and the
lines after read German, or, for a single line, at the glued EN/DE boundary.

Layout 6: a row number may stand before the key (on its own line or as
``1.1 key``), and the format cell may be a type word (``string``, ``JSON``);
any other short format cell is read when a CND cell follows it.
"""

from __future__ import annotations

import re

from ..reader import CND, DE, EN, FORMAT, KEY, NUMBER, Context, Step
from ..text import (
    CND_CELL,
    FORMAT_CELL,
    ROW_NUMBER,
    SENTENCE_END,
    split_en_de,
    split_lines_en_de,
)
from ..text import KEY as KEY_CELL
from ..versions import RowDraft

_NUMBERED_KEY = re.compile(r"(?P<num>[0-9]+(?:\.[0-9]+)*\.?)\s+(?P<key>\S+)")
# A CND cell: M/O/C (or an old/new pair), or something as short that a person must read.
_CND_LIKE = re.compile(r"[A-Z]{1,2}|[A-Z]/[A-Z]|[-–]")
_MACRO = "Multiexcerpt include"
_MACRO_PARAMS = ("SpaceWithExcerpt", "MultiExcerptName", "PageWithExcerpt")


class _Head:
    """The cells before the texts: where they stand and what they say."""

    def __init__(self) -> None:
        self.number = ""
        self.key = ""
        self.key_line = -1
        self.format = ""
        self.format2 = ""
        self.word_format = False
        self.cnd = ""
        self.cnd_line = -1
        self.next = 0


def read_macro(ctx: Context, idx: int) -> tuple[int, str]:
    """A ``Multiexcerpt include`` block at ``idx``: (index after it, excerpt name)."""
    lines = ctx.lines
    end, name = idx + 1, ""
    while end < lines.n and lines.lines[end].startswith(_MACRO_PARAMS):
        if lines.lines[end].startswith("MultiExcerptName"):
            name = lines.lines[end][len("MultiExcerptName") :].strip()
        end += 1
    return end, name


class CellRow:
    def starts(self, ctx: Context, idx: int) -> bool:
        return self._head(ctx, idx) is not None

    def _head(self, ctx: Context, idx: int) -> _Head | None:
        lines, cols = ctx.lines, ctx.columns
        head = _Head()
        j = idx
        fields = [f for f in cols.fields if f not in (EN, DE)]
        if NUMBER not in fields and ROW_NUMBER.fullmatch(lines.at(j)):
            fields = [NUMBER, *fields]  # a numbered row in a table whose header has no number
        for pos, name in enumerate(fields):
            if pos:
                j = lines.next_nonblank(j + 1)
            cell = lines.at(j)
            if not cell:
                return None
            if name == NUMBER:
                if not ROW_NUMBER.fullmatch(cell):
                    return None
                head.number = cell.rstrip(".")
            elif name == KEY:
                m = _NUMBERED_KEY.fullmatch(cell)
                if m is not None and not head.number:
                    head.number, cell = m["num"].rstrip("."), m["key"]
                if not KEY_CELL.fullmatch(cell):
                    return None
                head.key, head.key_line = cell, j
            elif name == FORMAT:
                m = FORMAT_CELL.fullmatch(cell)
                if m is not None and m["word"] is None:
                    head.format, head.format2 = m["fmt"], m["fmt2"] or ""
                elif (
                    " " not in cell.strip()
                    and len(cell) <= 24
                    and (m is not None or self._cnd_follows(ctx, j, fields, pos))
                ):
                    head.format, head.word_format = cell, True
                else:
                    return None
            elif name == CND:
                if not _CND_LIKE.fullmatch(cell):
                    return None
                head.cnd, head.cnd_line = cell, j
        if not head.key:
            return None
        head.next = j + 1
        return head

    @staticmethod
    def _cnd_follows(ctx: Context, j: int, fields: list[str], pos: int) -> bool:
        """A format cell outside the legend counts when a real CND cell comes next."""
        if pos + 1 >= len(fields) or fields[pos + 1] != CND:
            return False
        nxt = ctx.lines.at(ctx.lines.next_nonblank(j + 1))
        return CND_CELL.fullmatch(nxt) is not None

    def read(self, ctx: Context, idx: int) -> Step | None:
        head = self._head(ctx, idx)
        if head is None:
            return None
        draft = RowDraft(
            head.key_line,
            head.key,
            head.format,
            head.format2,
            versions=ctx.versions,
            evidence=ctx.lines.known_elsewhere,
            number=head.number,
        )
        if head.word_format:
            draft.flag(f"format {head.format!r} is outside the legend; kept as printed")
        if ctx.columns.has(CND):
            if CND_CELL.fullmatch(head.cnd) is None:
                ctx.warn(head.cnd_line, f"row {draft.key!r}: CND {head.cnd!r} is not M, O or C")
            draft.set_cnd(head.cnd)
        else:
            draft.flag("the table has no CND column")
        langs = ctx.columns.languages
        groups, end = read_groups(ctx, head.next, len(langs))
        texts = assign(ctx, draft, langs, groups, head.cnd_line if head.cnd_line >= 0 else idx)
        row = draft.finish(texts.get(EN), texts.get(DE))
        layout = "6 formats outside the legend" if head.word_format or head.number else ""
        return Step(end, entry=row, layout=layout)


def read_groups(ctx: Context, idx: int, want: int) -> tuple[list[list[str]], int]:
    """Up to ``want`` text cells from ``idx``; each a list of its lines. Returns the end."""
    lines = ctx.lines
    groups: list[list[str]] = []
    k = idx
    while len(groups) < want:
        m = lines.next_nonblank(k)
        # A cell the row still needs may look like a row ("an32"); only what can never
        # be text ends it.
        if m >= lines.n or ctx.boundary(m, rows=False):
            break
        parts: list[str] = []
        k = _read_group(ctx, m, parts)
        # A blank line followed by a macro continues the cell when the text so far is
        # mid-sentence ("... discussed with" + {{Helpdesk-Name}} + "(configured in MAT).").
        while True:
            m = lines.next_nonblank(k)
            if lines.at(m) == _MACRO and parts and not parts[-1].endswith(SENTENCE_END):
                k = _read_group(ctx, m, parts)
            else:
                break
        groups.append(parts)
    return groups, k


def _read_group(ctx: Context, k: int, parts: list[str]) -> int:
    """Consecutive non-blank lines (text and macros) into ``parts``."""
    lines = ctx.lines
    first = True
    while k < lines.n and lines.lines[k] and (first or not ctx.boundary(k)):
        first = False
        if lines.lines[k] == _MACRO:
            end, name = read_macro(ctx, k)
            if not name:
                ctx.warn(k, "macro without a MultiExcerptName inside a cell")
            parts.append("{{" + (name or "?") + "}}")
            k = end
        else:
            parts.append(lines.lines[k])
            k += 1
    return k


def assign(
    ctx: Context, draft: RowDraft, langs: tuple[str, ...], groups: list[list[str]], at: int
) -> dict[str, str]:
    """The text of each language column from the cells read (see the module docs)."""
    out: dict[str, str] = {}
    if not langs:
        return out
    if not groups:
        ctx.warn(at, f"row {draft.key!r} has no description")
        return {lang: "" for lang in langs}
    if len(langs) == 1:
        out[langs[0]] = " ".join(groups[0])
        return out
    if len(groups) >= 2:
        out[EN], out[DE] = " ".join(groups[0]), " ".join(groups[1])
        return out
    parts = groups[0]
    if len(parts) >= 2:
        en, de, note = split_lines_en_de(parts)
        draft.flag(note)
    else:
        rest = draft.embedded_cnd(parts[0])
        en, de, ambiguous, note = split_en_de(rest)
        if ambiguous:
            draft.flag(note)
    if not de:
        ctx.warn(at, f"row {draft.key!r} has no DE description")
    out[EN], out[DE] = en, de
    return out
