"""Layout 2: rendered page text, as a browser's "save as text" or a copy gives it.

Macros are gone and includes are expanded into ordinary rows; the rows repeat
the glued header line (read by ``columns``) and stand one cell a line (read
by ``cells``). What is left is the loading noise the table filter leaves
where it stood, passed over here.
"""

from __future__ import annotations

from ..reader import Context, Step

LAYOUT = "2 rendered text"
NOISE = (
    "Oops, it seems that you need to place a table",
    "The table is being loaded",
    "Please wait for a bit",
)


class LoadingNotice:
    def starts(self, ctx: Context, idx: int) -> bool:
        return ctx.lines.at(idx).startswith(NOISE)

    def read(self, ctx: Context, idx: int) -> Step | None:
        if not self.starts(ctx, idx):
            return None
        return Step(idx + 1, structure="loading notice", layout=LAYOUT)
