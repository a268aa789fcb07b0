"""Write a spec method as a vendor page in each of the six layouts, for round trips.

The writer follows the layout descriptions of the vendor's pages (a Confluence
editor export, rendered page text, pipe rows, one-language tables, other header
words, formats outside the legend) closely enough that reading a written page
back must give the same tables: sections by endpoint, request and result by
their intro and caption sentences, and every row's key, format, CND and the
texts its layout carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from generator.spec.model import Heading, Message, Method, Parameter

BASE = "https://www.computop-paygate.com/"
LAYOUTS = ("editor", "rendered", "pipes", "english", "german", "other-words", "numbered")


@dataclass(frozen=True)
class PageRow:
    key: str
    format: str
    cnd: str
    en: str
    de: str
    include: str | None = None  # the shared definition's name, where the spec includes it


@dataclass(frozen=True)
class PageTable:
    role: str
    excerpt: str
    caption_en: str
    caption_de: str
    entries: tuple[PageRow | tuple[str, str], ...]  # rows, and headings as (en, de)


@dataclass(frozen=True)
class PageSection:
    title: str
    endpoint: str
    tables: tuple[PageTable, ...]


def _row(p: Parameter) -> PageRow:
    return PageRow(p.key, p.format.raw, p.cnd, p.description.en, p.description.de, p.include)


def _table(m: Message) -> PageTable:
    entries: list[PageRow | tuple[str, str]] = []
    for e in m.entries:
        if isinstance(e, Heading):
            entries.append((e.text.en, e.text.de))
        else:
            entries.append(_row(e))
    return PageTable(m.role, m.excerpt, m.caption.en, m.caption.de, tuple(entries))


def sections_of(method: Method) -> tuple[PageSection, ...]:
    return tuple(
        PageSection(op.section, op.endpoint, (_table(op.request), _table(op.result)))
        for op in method.operations
    )


def _lines(text: str) -> list[str]:
    """A text as page lines: a text cell never holds a blank line."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def _wrap(text: str, width: int = 60) -> list[str]:
    """A long text over several lines, as rendered pages and pipe rows print it."""
    out: list[str] = []
    for line in _lines(text):
        words, cur = line.split(" "), ""
        for w in words:
            if cur and len(cur) + 1 + len(w) > width:
                out.append(cur)
                cur = w
            else:
                cur = f"{cur} {w}" if cur else w
        if cur:
            out.append(cur)
    return out


VENDOR_HEADER = ("Key", "Format", "CND", "Description", "Beschreibung")
INTRO = {
    "request": (
        "The following table describes the encrypted payment request parameters:",
        "Die folgende Tabelle beschreibt die verschlüsselten Übergabeparameter:",
    ),
    "result": (
        "The following table gives the result parameters:",
        "Die folgende Tabelle beschreibt die Antwortparameter:",
    ),
}


# --- layout 1: the Confluence editor export -------------------------------------------------


def editor(sections: tuple[PageSection, ...]) -> str:
    out = ["Table of Contents", "", "About the method", "", "Some prose about the method.", ""]
    for s in sections:
        out += [s.title, "", "In order to call it, please use the following URL:", ""]
        out += ["Multiexcerpt include", "SpaceWithExcerptEN", "MultiExcerptNameBaseURL"]
        out += ["PageWithExcerptWording", s.endpoint, "", ""]
        for t in s.tables:
            intro = "Request_Intro" if t.role == "request" else "Response_Intro"
            out += ["Multiexcerpt include", "SpaceWithExcerptEN", f"MultiExcerptName{intro}"]
            out += ["PageWithExcerptReuse API", ""]
            out += ["Table Filter", "defaultBeschreibung", "id1654691962098_1", "Multiexcerpt"]
            out += [f"MultiExcerptName{t.excerpt}", "Table Transformer", "sqlSELECT * FROM T*", ""]
            header_open = False
            for e in t.entries:
                if isinstance(e, tuple):
                    out += [e[0] + e[1], ""]
                    continue
                if e.include is not None:
                    out += ["Table Excerpt Include", "statictrue", f"name{e.include}"]
                    out += [f"page{e.key}", "typepage", ""]
                    header_open = False
                    continue
                if not header_open:
                    out += [
                        "Key",
                        "",
                        "Format",
                        "",
                        "CND",
                        "",
                        "Description",
                        "",
                        "Beschreibung",
                        "",
                    ]
                    header_open = True
                out += [e.key, "", e.format, "", e.cnd, ""]
                out += [*_lines(e.en), "", *_lines(e.de), ""]
            out += [t.caption_en, "", ""]
    return "\n".join(out)


# --- layout 2 and its relatives: cells on their own lines -----------------------------------


@dataclass(frozen=True)
class _Cells:
    header: tuple[str, ...]  # printed header words
    langs: tuple[str, ...]
    glued: bool  # header glued onto one line
    per_row: bool  # the header repeats before every row (one-row tables)
    blank: bool  # blank lines between cells
    numbered: bool = False
    captions: tuple[str, ...] = ("en", "de")


def _cells_page(sections: tuple[PageSection, ...], c: _Cells) -> str:
    out = ["Alipay+", "", "Prose before the first section.", ""]
    sep = [""] if c.blank else []
    header = ["".join(c.header)] if c.glued else [w for h in c.header for w in (h, "")]
    for s in sections:
        out += [s.title, "", f"Please use the following URL: {BASE}{s.endpoint}", ""]
        for t in s.tables:
            out += [*INTRO[t.role], ""]
            out += ["The table is being loaded. Please wait for a bit ...", ""]
            if not c.per_row:
                out += header
            n = 0
            for e in t.entries:
                if isinstance(e, tuple):
                    out += [e[0] + e[1], ""]
                    continue
                n += 1
                if c.per_row:
                    out += header
                if c.numbered:
                    out += [f"{n}.{n % 3}" if n % 2 else str(n), *sep]
                out += [e.key, *sep, e.format, *sep, e.cnd, *sep]
                for lang in c.langs:
                    out += [*_wrap(e.en if lang == "en" else e.de), *sep]
                if not c.blank:
                    out.append("")
            captions = {"en": t.caption_en, "de": t.caption_de}
            out += [captions[lang] for lang in c.captions] + ["", "More prose.", ""]
    return "\n".join(out)


def rendered(sections: tuple[PageSection, ...]) -> str:
    return _cells_page(
        sections,
        _Cells(
            ("Key", "Format", "CND", "Description", "Beschreibung"), ("en", "de"), True, True, True
        ),
    )


def english(sections: tuple[PageSection, ...]) -> str:
    return _cells_page(
        sections,
        _Cells(
            ("Key", "Format", "CND", "Description"), ("en",), False, False, True, captions=("en",)
        ),
    )


def german(sections: tuple[PageSection, ...]) -> str:
    return _cells_page(
        sections,
        _Cells(
            ("Key", "Format", "Bedingung", "Beschreibung"),
            ("de",),
            True,
            False,
            False,
            captions=("de",),
        ),
    )


def other_words(sections: tuple[PageSection, ...]) -> str:
    return _cells_page(
        sections,
        _Cells(("Parameter", "Format", "Bedingung", "Beschreibung"), ("de",), False, True, True),
    )


def numbered(sections: tuple[PageSection, ...]) -> str:
    return _cells_page(
        sections,
        _Cells(VENDOR_HEADER, ("en", "de"), glued=True, per_row=False, blank=True, numbered=True),
    )


# --- layout 3: pipe rows --------------------------------------------------------------------


def _pipe_cell(text: str) -> str:
    return " ".join(_lines(text)).replace("|", "\\|")


def pipes(sections: tuple[PageSection, ...]) -> str:
    out = ["Alipay+", ""]
    for s in sections:
        out += [s.title, "", f"{BASE}{s.endpoint}", ""]
        for t in s.tables:
            out += [INTRO[t.role][0], ""]
            out += ["Key | Format | CND | Description | Beschreibung |", "---|"]
            for e in t.entries:
                if isinstance(e, tuple):
                    out.append(f"{_pipe_cell(e[0])} |  |  |  | {_pipe_cell(e[1])} |")
                    continue
                row = f"{e.key} | {e.format} | {e.cnd} | {_pipe_cell(e.en)} | {_pipe_cell(e.de)} |"
                # A long row continues on the next line, as the layout allows.
                cut = row.find(" ", 70)
                if cut > 0 and "|" not in row[cut - 1 : cut + 2]:
                    out += [row[:cut], row[cut + 1 :]]
                else:
                    out.append(row)
            out += ["", t.caption_en, t.caption_de, ""]
    return "\n".join(out)


WRITERS: dict[str, Callable[[tuple[PageSection, ...]], str]] = {
    "editor": editor,
    "rendered": rendered,
    "pipes": pipes,
    "english": english,
    "german": german,
    "other-words": other_words,
    "numbered": numbered,
}


@dataclass(frozen=True)
class Carries:
    """What a layout carries: texts and captions by language, includes, headings."""

    langs: tuple[str, ...]
    captions: tuple[str, ...]
    includes: bool = False
    headings: bool = True


BOTH = ("en", "de")
CARRIES: dict[str, Carries] = {
    "editor": Carries(BOTH, ("en",), includes=True),
    "rendered": Carries(BOTH, BOTH),
    "pipes": Carries(BOTH, BOTH),
    "english": Carries(("en",), ("en",)),
    "german": Carries(("de",), ("de",)),
    "other-words": Carries(("de",), BOTH),
    "numbered": Carries(BOTH, BOTH),
}
