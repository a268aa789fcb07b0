"""The layout readers, one module per way the vendor's tables reach users.

``READERS`` is tried in order at each position of a table region; the first
that reads something wins. To read a new layout, write a module with a reader
(``starts`` and ``read``, see ``generator.pages.reader.Reader``) that returns
rows of the common model (``generator.pages.model``), put it here, and give it
an example page in tests/pages/ and a writer in the round-trip test.

========  ==========================================  ======================
layout    what it looks like                          read by
========  ==========================================  ======================
1         Confluence editor export: macros as text,   ``editor``, ``cells``
          includes, squashed rows, one cell a line
2         rendered page text: glued header per row,   ``columns``, ``cells``,
          cells on their own lines, loading noise     ``rendered``
3         pipe rows with a ``---|`` line              ``columns``, ``pipes``
4         one language only (Description or           ``columns``
          Beschreibung)
5         other header words (Parameter, Bedingung)   ``columns``
6         formats outside the legend, numbered rows   ``cells``, ``pipes``
========  ==========================================  ======================

"Versions Compared" exports of any layout are read by the same readers; the
rows they read tell old and new values apart in ``generator.pages.versions``.
"""

from __future__ import annotations

from ..reader import Reader
from .cells import CellRow
from .columns import Header
from .editor import CellMacro, IncludeBlock, SquashedRow, TableMacro, is_table_macro
from .pipes import PipeRow
from .rendered import LoadingNotice

# Readers of whole rows: a line of text may look like the start of one.
ROW_READERS = (CellRow, SquashedRow, PipeRow)

READERS: tuple[Reader, ...] = (
    TableMacro(),
    IncludeBlock(),
    Header(),
    PipeRow(),
    CellRow(),
    SquashedRow(),
    LoadingNotice(),
    CellMacro(),
)

__all__ = ["READERS", "ROW_READERS", "is_table_macro"]
