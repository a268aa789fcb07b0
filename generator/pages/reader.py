"""The interface between the page frame and the layout readers.

The frame (``frame``) finds a page's sections and table regions; inside a
region it hands each position to the layout readers (``layouts``) in turn.
A reader that recognises what stands there returns a ``Step``: the entry it
read (a row, an include, a heading) or the kind of structure it passed over
(a header, macro parameters, a separator, a loading notice), and where the
next unread line is. A line no reader takes is reported as skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .model import Entry
from .text import WORD, clean

# Canonical column names of a parameter table.
KEY, FORMAT, CND, EN, DE, NUMBER = "key", "format", "cnd", "en", "de", "number"


class Lines:
    """The page text as cleaned lines (0-based here; 1-based in every message)."""

    def __init__(self, text: str) -> None:
        self.lines = [clean(line) for line in text.split("\n")]
        self.n = len(self.lines)
        # Which lines each identifier-like word occurs on: evidence for splitting merged keys.
        self.vocab: dict[str, set[int]] = {}
        for idx, line in enumerate(self.lines):
            for word in WORD.findall(line):
                self.vocab.setdefault(word, set()).add(idx)

    def at(self, idx: int) -> str:
        return self.lines[idx] if 0 <= idx < self.n else ""

    def next_nonblank(self, idx: int) -> int:
        while idx < self.n and not self.lines[idx]:
            idx += 1
        return idx

    def known_elsewhere(self, word: str, idx: int) -> bool:
        found = self.vocab.get(word, ())
        return len(found) > 1 or (len(found) == 1 and idx not in found)


@dataclass(frozen=True)
class Columns:
    """The columns a table's header names, in order, as canonical names."""

    fields: tuple[str, ...]
    printed: tuple[str, ...]
    form: str  # "lines" (one cell a line), "glued" (one line, no separators) or "pipes"

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f in (EN, DE))

    def has(self, name: str) -> bool:
        return name in self.fields


# What a table is read with until its header says otherwise: the vendor's five columns.
DEFAULT_COLUMNS = Columns(
    (KEY, FORMAT, CND, EN, DE), ("Key", "Format", "CND", "Description", "Beschreibung"), "lines"
)


@dataclass
class Context:
    """What the readers of one table share: the page, its columns so far, the findings."""

    lines: Lines
    versions: bool  # a "Versions Compared" export: glued values are old + new
    warnings: list[str]
    # Whether a line ends a cell: an entry of any reader, a caption, a new section; with
    # ``rows=False`` only what cannot be text (a header, an include, a caption, ...).
    ends: Callable[[Context, int, bool], bool]
    columns: Columns = DEFAULT_COLUMNS
    header_seen: bool = False
    excerpt: str = ""
    layouts: set[str] = field(default_factory=set)

    def warn(self, idx: int, message: str) -> None:
        self.warnings.append(f"line {idx + 1}: {message}")

    def boundary(self, idx: int, rows: bool = True) -> bool:
        return self.ends(self, idx, rows)


@dataclass(frozen=True)
class Step:
    """What a reader took: lines ``[start, next)``, as an entry or as structure."""

    next: int
    entry: Entry | None = None
    structure: str = ""  # the kind of lines passed over, when there is no entry
    layout: str = ""  # the layout the reading belongs to, for the page summary


class Reader(Protocol):
    """One way a layout writes table content. ``read`` returns None when it does not apply."""

    def starts(self, ctx: Context, idx: int) -> bool:
        """Whether what this reader reads begins at ``idx`` (without reading it)."""
        ...

    def read(self, ctx: Context, idx: int) -> Step | None: ...
