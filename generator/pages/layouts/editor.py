"""Layout 1: the Confluence export of the editor view (plain or "Versions Compared").

Macros stand as text: ``Table Filter`` / ``Table Transformer`` (and a
``Multiexcerpt`` carrying one) open a table, their parameters up to the next
blank line are passed over (known names only; any other is warned about) and
``MultiExcerptName<x>`` names the table's excerpt. ``Table Excerpt Include``
blocks (``name``/``page`` lines) are rows defined on another page. A
``Multiexcerpt include`` between rows is passed over with a warning. A whole
row may stand squashed onto one line:
``CustomerIDans..64OUnique customer numberEindeutige Kundennummer``; its key is
the shortest leading identifier followed by a format token (so ``ans`` wins
over ``ns``).
"""

from __future__ import annotations

import re

from ..model import Include
from ..reader import DE, EN, Context, Step
from ..text import LEGEND_FORMAT, split_cnd, split_en_de
from ..versions import RowDraft
from .cells import read_macro
from .columns import Header

LAYOUT = "1 editor export"

_SQUASHED = re.compile(
    rf"(?P<key>[A-Za-z][A-Za-z0-9_]*?)(?P<fmt>{LEGEND_FORMAT})(?P<fmt2>{LEGEND_FORMAT})?"
    r"(?P<tail>[MOC].*)"
)
_INCLUDE = "Table Excerpt Include"
_INCLUDE_PARAMS = ("static", "name", "page", "type")
# Parameters of the Table Filter / Table Transformer / Multiexcerpt macros: noise for us.
_TABLE_NOISE = (
    "Table Filter",
    "Table Transformer",
    "Multiexcerpt",
    "MultiExcerptName",
    "default",
    "isFirstTimeEnter",
    "hideColumns",
    "sparkName",
    "hidePane",
    "datepattern",
    "dateFormat",
    "id",
    "worklog",
    "isOR",
    "separator",
    "order",
    "export-",
    "show-source",
    "transpose",
    "sql",
    "hideControls",
    "hidden",
    "limit",
    "userfilter",
    "numberfilter",
    "thousandSeparator",
    "globalFilter",
    "columnTypes",
    "enabledInEditor",
)


def is_table_macro(ctx: Context, idx: int) -> bool:
    """Whether a table macro (which opens a new table) starts at ``idx``."""
    lines = ctx.lines
    line = lines.at(idx)
    if line in ("Table Filter", "Table Transformer"):
        return True
    if line != "Multiexcerpt":
        return False
    j = idx + 1
    while j < lines.n and lines.lines[j]:
        if lines.lines[j] in ("Table Filter", "Table Transformer"):
            return True
        j += 1
    return False


class TableMacro:
    def starts(self, ctx: Context, idx: int) -> bool:
        return is_table_macro(ctx, idx)

    def read(self, ctx: Context, idx: int) -> Step | None:
        if not is_table_macro(ctx, idx):
            return None
        lines = ctx.lines
        j = idx
        while j < lines.n and lines.lines[j]:
            line = lines.lines[j]
            if line == _INCLUDE or (j > idx and _starts_body(ctx, j)):
                break  # the body starts without a blank line
            if line.startswith("MultiExcerptName"):
                name = line[len("MultiExcerptName") :].strip()
                if ctx.excerpt and name != ctx.excerpt:
                    ctx.warn(j, f"second excerpt name {name!r}; keeping {ctx.excerpt!r}")
                else:
                    ctx.excerpt = name
            elif not line.startswith(_TABLE_NOISE):
                ctx.warn(j, f"unknown table macro parameter {line!r} skipped")
            j += 1
        return Step(j, structure="table macro parameters", layout=LAYOUT)


def _starts_body(ctx: Context, j: int) -> bool:
    return Header().starts(ctx, j)


class IncludeBlock:
    def starts(self, ctx: Context, idx: int) -> bool:
        return ctx.lines.at(idx) == _INCLUDE

    def read(self, ctx: Context, idx: int) -> Step | None:
        if not self.starts(ctx, idx):
            return None
        lines = ctx.lines
        name = page = ""
        j = idx + 1
        while j < lines.n and lines.lines[j]:
            line = lines.lines[j]
            if not line.startswith(_INCLUDE_PARAMS):
                break  # no blank line after the block; let the table loop read this line
            if line.startswith("name"):
                name = line[len("name") :]
            elif line.startswith("page"):
                page = line[len("page") :]
            j += 1
        if not name:
            ctx.warn(idx, "Table Excerpt Include without a name")
        return Step(j, entry=Include(name, page, idx + 1), layout=LAYOUT)


class CellMacro:
    """A ``Multiexcerpt include`` standing between rows (not inside a cell)."""

    def starts(self, ctx: Context, idx: int) -> bool:
        return False  # never ends a cell: a cell may continue into a macro

    def read(self, ctx: Context, idx: int) -> Step | None:
        if ctx.lines.at(idx) != "Multiexcerpt include":
            return None
        end, name = read_macro(ctx, idx)
        ctx.warn(idx, f"macro {{{{{name}}}}} between table rows skipped")
        return Step(end, structure="macro between rows", layout=LAYOUT)


class SquashedRow:
    def starts(self, ctx: Context, idx: int) -> bool:
        return _SQUASHED.fullmatch(ctx.lines.at(idx)) is not None

    def read(self, ctx: Context, idx: int) -> Step | None:
        m = _SQUASHED.fullmatch(ctx.lines.at(idx))
        if m is None:
            return None
        draft = RowDraft(
            idx,
            m["key"],
            m["fmt"],
            m["fmt2"] or "",
            versions=ctx.versions,
            evidence=ctx.lines.known_elsewhere,
        )
        cnd, rest, cnd_note = split_cnd(m["tail"])
        if len(cnd) == 2 and not ctx.versions:
            cnd, rest = cnd[0], m["tail"][1:]  # two letters are old + new only in a diff view
        draft.set_cnd(cnd)
        draft.flag(cnd_note)
        rest = draft.embedded_cnd(rest)
        if not rest.strip():
            ctx.warn(idx, f"row {draft.key!r} has no description")
        langs = ctx.columns.languages
        texts: dict[str, str] = {}
        if len(langs) == 2:
            en, de, ambiguous, note = split_en_de(rest)
            if ambiguous:
                draft.flag(note)
            texts = {EN: en, DE: de}
        elif langs:
            texts = {langs[0]: rest.strip()}
        return Step(idx + 1, entry=draft.finish(texts.get(EN), texts.get(DE)), layout=LAYOUT)
