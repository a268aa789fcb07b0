"""Layout 3: pipe rows, one row a line, after a pipe header and a ``---|`` line.

Cells are separated by ``|`` (``\\|`` is a literal bar). A cell may continue
on the next line: the row ends at the line that closes it with ``|`` once it
has a cell for every column. Continued lines are joined with a space. A row
with empty format and CND cells whose first cell is no parameter name is a
group heading (``Shipping address |  |  |  | Lieferadresse |``).
"""

from __future__ import annotations

import re

from ..model import Heading
from ..reader import CND, DE, EN, FORMAT, KEY, NUMBER, Context, Step
from ..text import FORMAT_CELL
from ..text import KEY as KEY_CELL
from ..versions import RowDraft
from .columns import pipe_cells

LAYOUT = "3 pipe rows"
_NUMBERED_KEY = re.compile(r"(?P<num>[0-9]+(?:\.[0-9]+)*\.?)\s+(?P<key>\S+)")
_CLOSED = re.compile(r"(?<!\\)\|\s*$")


class PipeRow:
    def starts(self, ctx: Context, idx: int) -> bool:
        return ctx.columns.form == "pipes" and "|" in ctx.lines.at(idx)

    def read(self, ctx: Context, idx: int) -> Step | None:
        if not self.starts(ctx, idx):
            return None
        lines, cols = ctx.lines, ctx.columns
        want = len(cols.fields)
        parts = [lines.at(idx)]
        j = idx
        while not (_CLOSED.search(parts[-1]) and len(pipe_cells(" ".join(parts))) >= want):
            k = j + 1
            # Until the row is closed, a line with bars continues it; any other line must
            # not be something else (a caption, a header, a new section).
            if k >= lines.n or not lines.at(k) or ("|" not in lines.at(k) and ctx.boundary(k)):
                ctx.warn(idx, f"pipe row ends at line {j + 1} without its closing '|'")
                break
            parts.append(lines.at(k))
            j = k
        cells = pipe_cells(" ".join(parts))
        notes: list[str] = []
        if len(cells) > want:
            notes.append(f"{len(cells)} cells for {want} columns; the last ones are joined")
            cells = [*cells[: want - 1], " | ".join(cells[want - 1 :])]
        elif len(cells) < want:
            notes.append(f"{len(cells)} cells for {want} columns; the missing ones are empty")
            cells = cells + [""] * (want - len(cells))
        by = dict(zip(cols.fields, cells, strict=True))
        if not by.get(FORMAT) and not by.get(CND) and not KEY_CELL.fullmatch(by.get(KEY, "")):
            # A heading row: its text in the key cell, the German one (if any) in DE.
            heading = Heading(by.get(KEY, ""), by.get(DE, ""), idx + 1)
            return Step(j + 1, entry=heading, layout=LAYOUT)
        number = by.get(NUMBER, "").rstrip(".")
        key = by.get(KEY, "")
        m = _NUMBERED_KEY.fullmatch(key)
        if m is not None and not number:
            number, key = m["num"].rstrip("."), m["key"]
        fmt = by.get(FORMAT, "")
        fm = FORMAT_CELL.fullmatch(fmt)
        legend = fm is not None and fm["word"] is None
        draft = RowDraft(
            idx,
            key,
            fm["fmt"] if fm is not None and legend else fmt,
            (fm["fmt2"] or "") if fm is not None and legend else "",
            versions=ctx.versions,
            evidence=lines.known_elsewhere,
            number=number,
        )
        for note in notes:
            draft.flag(note)
        if not KEY_CELL.fullmatch(key):
            draft.flag(f"key {key!r} is not a parameter name")
        if not legend and cols.has(FORMAT):
            draft.flag(f"format {fmt!r} is outside the legend; kept as printed")
        if cols.has(CND):
            draft.set_cnd(by.get(CND, ""))
        else:
            draft.flag("the table has no CND column")
        row = draft.finish(by.get(EN) if EN in by else None, by.get(DE) if DE in by else None)
        layout = LAYOUT if legend and not number else f"{LAYOUT}, 6 formats outside the legend"
        return Step(j + 1, entry=row, layout=layout)
