"""What a vendor page holds once read, whatever its layout: sections, tables, rows.

Every layout reader (``layouts``) produces these types, so the importer and
the audit never see how a page was laid out. Line numbers are 1-based lines of
the page text. A text that the page's table does not carry (a one-language
table) is ``None``, never an empty or invented string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

ROLES = ("request", "result")


class PageError(ValueError):
    """The text holds no parameter table at all; the message names the line."""


@dataclass(frozen=True)
class Change:
    """One field that differs between the older and the newer version of the page."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Include:
    """A ``Table Excerpt Include`` macro: a row defined on another page (layout 1 only)."""

    name: str
    page: str
    line: int


@dataclass(frozen=True)
class Heading:
    """A group heading inside a table, such as "Shipping address" / "Lieferadresse"."""

    en: str
    de: str
    line: int


@dataclass(frozen=True)
class Row:
    """A parameter row. Fields hold the newer version where a page shows two.

    ``en``/``de`` are None when the table has no column for that language.
    ``number`` is a row number the page puts before the key (``1.1``), if any.
    """

    key: str
    format: str
    cnd: str
    en: str | None
    de: str | None
    line: int
    changes: tuple[Change, ...] = ()
    ambiguous: bool = False
    note: str = ""
    number: str = ""


Entry: TypeAlias = Include | Heading | Row


@dataclass(frozen=True)
class Table:
    """A parameter table of one section.

    ``role`` is request or result as the page's intro or caption sentence says
    (``role_from`` names that evidence), or "" when nothing said it.
    ``excerpt`` is the Confluence excerpt name where the export has one.
    ``languages`` are the description languages its columns carry.
    """

    excerpt: str
    caption: str
    line: int
    entries: tuple[Entry, ...]
    role: str = ""
    role_from: str = ""
    caption_de: str = ""
    languages: tuple[str, ...] = ("en", "de")
    layouts: tuple[str, ...] = ()
    end_line: int = 0

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(e for e in self.entries if isinstance(e, Row))

    @property
    def parameters(self) -> tuple[Row | Include, ...]:
        return tuple(e for e in self.entries if not isinstance(e, Heading))


@dataclass(frozen=True)
class Section:
    """One operation of the page: title, endpoint file name (newer version) and tables."""

    title: str
    endpoint: str
    line: int
    tables: tuple[Table, ...]
    endpoint_change: Change | None = None


@dataclass(frozen=True)
class Skipped:
    """A line inside a table region that became no part of any row, and why."""

    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}: {self.text!r}"


@dataclass(frozen=True)
class Ignored:
    """A run of lines inside table regions read as structure, not rows (macro
    parameters, header cells, separators, loading notices)."""

    first: int
    last: int
    kind: str

    def __str__(self) -> str:
        where = (
            f"line {self.first}" if self.first == self.last else f"lines {self.first}-{self.last}"
        )
        return f"{where}: {self.kind}"


@dataclass(frozen=True)
class Page:
    """The read page. ``warnings`` read ``"line N: ..."``; ``problems`` stop a draft."""

    source: str
    sections: tuple[Section, ...]
    warnings: tuple[str, ...]
    skipped: tuple[Skipped, ...] = ()
    ignored: tuple[Ignored, ...] = ()
    problems: tuple[str, ...] = ()
    versions: bool = False  # a "Versions Compared" export: old and new text interleaved
    layouts: tuple[str, ...] = field(default=())

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for s in self.sections for t in s.tables)
