"""Parse a Confluence text export of the vendor's Alipay+ documentation page.

The input is the plain text that Confluence produces for a "Versions Compared" view: macro
parameters appear as bare lines, table cells lose their borders, and the older and the newer
text of the page are interleaved without any markup. ``parse_page`` turns it into
``Page -> Section -> Table -> Entry`` (``Include``, ``Heading`` or ``Row``), records every
1-based line number, and reports what it could not read as warnings instead of raising.

Structure that is recognised
----------------------------
* Section: a ``Multiexcerpt include`` block naming ``MultiExcerptNameBaseURL``; the line right
  after the block holds the endpoint file name. The title is the nearest line above the block
  that stands alone as a paragraph (blank line before and after), is short (at most 12 words)
  and does not end like a sentence (``.``, ``:``, ``,``, ``;``, ``!``, ``?``); the search stops
  at the end of the previous table. ``Section.line`` is the title's line (the block's line when
  no title is found).
* Table: starts at ``Table Filter`` / ``Table Transformer`` or at a ``Multiexcerpt`` block that
  carries one of them; the macro parameters up to the next blank line are skipped (known
  parameter names only, anything else is warned about), ``MultiExcerptName<x>`` gives the
  excerpt name. The table ends with its caption: the first plain line that is not followed by
  another table entry. A table that runs into the end of the input or into the next table or
  section has an empty caption and a warning.
* Entries: ``Table Excerpt Include`` blocks (``name``/``page`` lines) become ``Include``;
  ``Key/Format/CND/Description/Beschreibung`` header lines are skipped; a row is either one
  cell per line (key, format, CND, EN cell, DE cell) or squashed onto a single line
  (``CustomerIDans..64OUnique customer numberEindeutige Kundennummer``); a plain line that is
  followed by another entry is a group ``Heading`` (``Shipping addressLieferadresse``).
* Cells may embed ``Multiexcerpt include`` macros; each becomes ``{{<MultiExcerptName>}}`` and
  the pieces of a cell are joined with single spaces. A cell continues across a blank line only
  into a macro block, and only when the text before it does not end a sentence.

Heuristics (deterministic; every guess among several readings sets ``Row.ambiguous``)
--------------------------------------------------------------------------------------
* Versions: where old and new text are merged, the old (removed) text comes first and the new
  (added) text second, as Confluence prints them. Fields hold the newer text where the two
  could be told apart, and a ``Change(field, old, new)`` records the pair.
* Squashed row: the key is the shortest leading identifier that is followed by a format token
  ``(a|as|n|ns|an|ans)(..)?digits``, ``bool``, ``dttm`` or ``enum`` (so ``ans`` wins over
  ``ns``). Two format tokens in a row are old and new format.
* CND: one letter of M/O/C. Two different letters (``OC``) are old and new CND, unless the text
  after them would then start in lower case (``OCity`` is ``O`` + ``City``). When both readings
  leave a text that starts like a word (``OCISO 3166``), the one-letter reading is kept and the
  row is flagged.
* Embedded CND: a lone M/O/C glued between a lower-case letter and a capitalised word
  (``Last nameCLast name, ...``) is the new CND and the text before it the old EN text, but
  only when it is the first glued boundary of the text (else the row is flagged instead).
* EN/DE boundary in a squashed row: a capital letter followed by a lower-case letter that is
  glued, without a space, to the preceding letter, digit or closing punctuation
  (``numberEindeutige``, ``sent.Optionen``, ``APPOptionen``, ``building)Adresszeile``).
  Boundaries inside a word that occurs twice in the text are dropped: identifiers such as
  ``sdLastName`` are quoted in both languages. With several boundaries left, each is scored
  (German function words and umlauts to the right minus to the left, plus English function
  words to the left minus to the right); the best wins, ties go to the earliest, and the row
  is flagged with a note.
* Heading: same boundary rule, but the glue must follow a lower-case letter or closing
  punctuation (so ``URLNotify`` in a caption is no boundary).
* Merged key: ``DeviceterminalType`` is split where a lower-case letter meets a lower-case
  letter and the right part is a lowerCamel identifier (has a capital), or where a lower-case
  letter meets a capital; in either case the parts must be evidenced by the rest of the page:
  at least one part (both parts for the lower->Upper seam, which is an ordinary camelCase hump)
  must occur as a word on another line. Several possible splits leave the key merged and flag
  the row.
* Merged texts: when a row's key, format or CND changed and its texts could not be split into
  versions, or a text holds a doubled comma (``DesktopWEB,, MobileWAP``, the trace of
  interleaved word lists), the texts are kept as printed and the row is flagged with a note.
* Merged endpoint: ``alipay.aspxalipayplus.aspx`` is split after the first ``.aspx``;
  ``alipayalipayplus.aspx`` is split where one stem is a prefix of the other (both parts at
  least 3 characters). Several possible splits keep the merged name and add a warning.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "Change",
    "Entry",
    "Heading",
    "Include",
    "Page",
    "PageError",
    "Row",
    "Section",
    "Table",
    "parse_page",
    "split_cnd",
    "split_en_de",
    "split_endpoint",
]


class PageError(ValueError):
    """The export holds nothing this parser can use (no parameter table at all)."""


@dataclass(frozen=True)
class Change:
    """One field that differs between the older and the newer version of the page."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Include:
    """A ``Table Excerpt Include``: a row defined on another page."""

    name: str
    page: str
    line: int


@dataclass(frozen=True)
class Heading:
    """A group heading inside a table, such as "Shipping address"."""

    en: str
    de: str
    line: int


@dataclass(frozen=True)
class Row:
    """A parameter row. Fields hold the newer version where it could be told apart."""

    key: str
    format: str
    cnd: str
    en: str
    de: str
    line: int
    changes: tuple[Change, ...] = ()
    ambiguous: bool = False
    note: str = ""


Entry: TypeAlias = Include | Heading | Row


@dataclass(frozen=True)
class Table:
    """A parameter table: its excerpt name (``alipay_request``), caption and entries."""

    excerpt: str
    caption: str
    line: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Section:
    """One operation of the page: title, endpoint file name (newer version) and tables."""

    title: str
    endpoint: str
    line: int
    tables: tuple[Table, ...]
    endpoint_change: Change | None = None


@dataclass(frozen=True)
class Page:
    """The parsed export; ``warnings`` read ``"line N: ..."``."""

    source: str
    sections: tuple[Section, ...]
    warnings: tuple[str, ...]


# --- Lexical pieces -------------------------------------------------------------------------

_FMT = r"(?:(?:ans|an|as|ns|a|n)(?:\.\.)?[0-9]+|bool|dttm|enum)"
_FORMAT_LINE = re.compile(rf"(?P<fmt>{_FMT})(?P<fmt2>{_FMT})?")
# Shortest key first, so the format token starts as early as possible ("ans" beats "ns").
_SQUASHED = re.compile(
    rf"(?P<key>[A-Za-z][A-Za-z0-9_]*?)(?P<fmt>{_FMT})(?P<fmt2>{_FMT})?(?P<tail>[MOC].*)"
)
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_LETTERS = re.compile(r"[^\W\d_]+")
# A CND cell of its own: one letter, or an old and a new letter.
_CND_CELL = re.compile(r"[MOC]|MO|MC|OM|OC|CM|CO")
# A lone CND letter between old text and a new capitalised text: "Last nameCLast name".
_EMBEDDED_CND = re.compile(r"(?<=[a-zäöüß])[MOC](?=[A-ZÄÖÜ][a-zäöüß])")

_CND_LETTERS = "MOC"
_HEADER_WORDS = ("Format", "CND", "Description", "Beschreibung")
_MACRO_PARAMS = ("SpaceWithExcerpt", "MultiExcerptName", "PageWithExcerpt")
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
# Punctuation that can close an EN cell right before the DE cell starts.
_CLOSERS = frozenset(".,;:!?)]”\"'")
_SENTENCE_END = (".", "!", "?", ":")
_TITLE_END = (".", ":", ",", ";", "!", "?")
_UMLAUTS = frozenset("äöüÄÖÜß")
# Function words only; words that exist in both languages (in, an, so, will) are left out.
# fmt: off
_DE_WORDS = frozenset({
    "der", "die", "das", "den", "dem", "des", "und", "oder", "wenn", "ist", "sind", "falls",
    "nicht", "ein", "eine", "einer", "eines", "einem", "für", "mit", "von", "vom", "zu",
    "zum", "zur", "auch", "nur", "bei", "wird", "werden", "wie", "kein", "keine", "gemäß",
    "ggf", "dieser", "diese", "dieses", "sowie", "ebenfalls", "bzw", "z",
})
_EN_WORDS = frozenset({
    "the", "and", "or", "if", "is", "are", "of", "for", "with", "to", "when", "not", "only",
    "this", "that", "also", "such", "as", "from", "be", "by", "which", "no", "any", "its",
})
# fmt: on


def _clean(line: str) -> str:
    # str.strip() also removes NBSP, which the export leaves after some cells.
    return line.replace("\u200b", "").replace("\ufeff", "").strip()


def _glue_candidates(text: str, strict: bool) -> list[int]:
    """Positions where a new cell may start glued to the previous one (see module docs)."""
    # Each position inside a word maps to that word; words quoted twice are identifiers.
    word_at: dict[int, str] = {}
    counts: Counter[str] = Counter()
    for m in re.finditer(r"\w+", text):
        counts[m.group()] += 1
        for pos in range(m.start(), m.end()):
            word_at[pos] = m.group()
    found: list[int] = []
    for i in range(1, len(text) - 1):
        prev, cur, nxt = text[i - 1], text[i], text[i + 1]
        if not (cur.isupper() and nxt.islower()):
            continue
        if prev.islower() or prev.isdigit() or prev in _CLOSERS:
            pass
        elif prev.isupper() and not strict:
            pass  # "MINI-APPOptionen": an acronym ends the EN cell
        else:
            continue
        # A camelCase identifier quoted in both languages ("sdLastName") is no boundary.
        if prev.isalnum() and counts[word_at.get(i, "")] >= 2:
            continue
        found.append(i)
    return found


def _german(text: str) -> int:
    words = [w.lower() for w in _LETTERS.findall(text)]
    return sum(w in _DE_WORDS for w in words) + sum(ch in _UMLAUTS for ch in text)


def _english(text: str) -> int:
    return sum(w.lower() in _EN_WORDS for w in _LETTERS.findall(text))


def _best_boundary(text: str, candidates: list[int]) -> int:
    """The boundary after which the text reads German and before which it reads English."""

    def score(i: int) -> int:
        left, right = text[:i], text[i:]
        return _german(right) - _german(left) + _english(left) - _english(right)

    # max() keeps the first of equal scores, so ties go to the earliest boundary.
    return max(candidates, key=score)


def _around(text: str, i: int) -> str:
    return text[max(0, i - 10) : i] + "|" + text[i : i + 10]


def split_en_de(text: str) -> tuple[str, str, bool, str]:
    """Split a squashed "EN text" + "DE text" cell pair.

    Returns ``(en, de, ambiguous, note)``. Without any boundary the whole text goes to ``en``.
    """
    text = text.strip()
    if not text:
        return "", "", False, ""
    candidates = _glue_candidates(text, strict=False)
    if not candidates:
        return text, "", True, "no EN/DE boundary found; the whole text is kept in en"
    i = candidates[0] if len(candidates) == 1 else _best_boundary(text, candidates)
    en, de = text[:i].strip(), text[i:].strip()
    if len(candidates) == 1:
        return en, de, False, ""
    others = ", ".join(repr(_around(text, c)) for c in candidates if c != i)
    note = (
        f"{len(candidates)} possible EN/DE boundaries; chose {_around(text, i)!r} "
        f"(the text after it reads German), not {others}"
    )
    return en, de, True, note


def split_cnd(tail: str) -> tuple[str, str, str]:
    """Split ``tail`` (starting with a CND letter) into ``(cnd, rest, note)``.

    ``cnd`` has two letters (old, new) when the text reads as such; ``note`` is set when both
    readings are possible and the one-letter reading was kept.
    """
    if not tail or tail[0] not in _CND_LETTERS:
        return "", tail, "no CND letter"
    one, rest1 = tail[0], tail[1:]
    if len(tail) < 2 or tail[1] not in _CND_LETTERS or tail[1] == tail[0]:
        return one, rest1, ""
    rest2 = tail[2:]
    if rest2[:1].islower():
        return one, rest1, ""  # "OCity": the C starts the text
    if _word_start(rest2) and not _word_start(rest1):
        return tail[:2], rest2, ""  # "OCFirst": O then C
    return one, rest1, f"CND may be {one!r} or {tail[:2]!r} (old, new); kept {one!r}"


def _word_start(text: str) -> bool:
    """Whether ``text`` starts like a word: not "CFirst" or "CISO"."""
    if not text or not text[0].isalpha():
        return True
    return text[0].isupper() and (len(text) == 1 or not text[1].isupper())


def split_endpoint(token: str) -> tuple[str, Change | None, str]:
    """Split a merged endpoint name into ``(endpoint, change, problem)``."""
    suffix = ".aspx"
    low = token.lower()
    if low.count(suffix) >= 2:
        cut = low.index(suffix) + len(suffix)
        old, new = token[:cut], token[cut:]
        if new.lower().endswith(suffix) and old != new:
            return new, Change("endpoint", old, new), ""
        return token, None, f"endpoint {token!r} holds several names that cannot be told apart"
    if not low.endswith(suffix):
        return token, None, f"endpoint {token!r} does not end in {suffix}"
    stem = token[: -len(suffix)]
    splits: list[tuple[str, str]] = []
    for i in range(3, len(stem) - 2):
        old, new = stem[:i], stem[i:]
        if old != new and (new.startswith(old) or old.startswith(new)):
            splits.append((old + token[-len(suffix) :], new + token[-len(suffix) :]))
    if len(splits) == 1:
        old, new = splits[0]
        return new, Change("endpoint", old, new), ""
    if splits:
        problem = (
            f"endpoint {token!r} may merge an old and a new name in {len(splits)} ways "
            "(ambiguous); kept as printed"
        )
        return token, None, problem
    return token, None, ""


def _looks_merged(text: str) -> bool:
    return ",," in text or ", ," in text


# --- The parser -----------------------------------------------------------------------------


@dataclass
class _SectionDraft:
    title: str
    endpoint: str
    line: int
    change: Change | None
    tables: list[Table]


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = [_clean(line) for line in text.split("\n")]
        self.n = len(self.lines)
        self.warnings: list[str] = []
        # Which lines each identifier-like word occurs on: evidence for splitting merged keys.
        self.vocab: dict[str, set[int]] = {}
        for idx, line in enumerate(self.lines):
            for word in _WORD.findall(line):
                self.vocab.setdefault(word, set()).add(idx)

    # -- helpers --

    def warn(self, idx: int, message: str) -> None:
        self.warnings.append(f"line {idx + 1}: {message}")

    def at(self, idx: int) -> str:
        return self.lines[idx] if 0 <= idx < self.n else ""

    def next_nonblank(self, idx: int) -> int:
        while idx < self.n and not self.lines[idx]:
            idx += 1
        return idx

    def known_elsewhere(self, word: str, idx: int) -> bool:
        return bool(self.vocab.get(word, set()) - {idx})

    def read_macro(self, idx: int) -> tuple[int, str]:
        """Read a ``Multiexcerpt include`` block at ``idx``: (index after it, excerpt name)."""
        end, name = idx + 1, ""
        while end < self.n and self.lines[end].startswith(_MACRO_PARAMS):
            if self.lines[end].startswith("MultiExcerptName"):
                name = self.lines[end][len("MultiExcerptName") :].strip()
            end += 1
        return end, name

    def is_table_start(self, idx: int) -> bool:
        line = self.at(idx)
        if line in ("Table Filter", "Table Transformer"):
            return True
        if line != "Multiexcerpt":
            return False
        j = idx + 1
        while j < self.n and self.lines[j]:
            if self.lines[j] in ("Table Filter", "Table Transformer"):
                return True
            j += 1
        return False

    def is_header(self, idx: int) -> bool:
        return self.at(idx) == "Key" and self.at(self.next_nonblank(idx + 1)) == "Format"

    def is_explicit_row(self, idx: int) -> bool:
        if not _IDENT.fullmatch(self.at(idx)) or self.at(idx) in _HEADER_WORDS:
            return False
        f = self.next_nonblank(idx + 1)
        if not _FORMAT_LINE.fullmatch(self.at(f)):
            return False
        c = self.next_nonblank(f + 1)
        return 0 < len(self.at(c)) <= 3 and " " not in self.at(c)

    def starts_entry(self, idx: int) -> bool:
        line = self.at(idx)
        return (
            line == "Table Excerpt Include"
            or self.is_header(idx)
            or _SQUASHED.fullmatch(line) is not None
            or self.is_explicit_row(idx)
        )

    def is_structural(self, idx: int) -> bool:
        line = self.at(idx)
        return line == "Table Excerpt Include" or self.is_header(idx) or self.is_table_start(idx)

    # -- page and sections --

    def parse(self) -> Page:
        sections: list[_SectionDraft] = []
        boundary = 0  # where the search for a section title stops
        i = 0
        while i < self.n:
            line = self.lines[i]
            if line == "Multiexcerpt include":
                end, name = self.read_macro(i)
                if name == "BaseURL":
                    section, i = self.parse_section_start(i, end, boundary)
                    sections.append(section)
                else:
                    i = end
                continue
            if self.is_table_start(i) or line == "Table Excerpt Include" or self.is_header(i):
                if not self.is_table_start(i):
                    self.warn(i, "table entry outside a table; read as a table without a name")
                table, i = self.parse_table(i)
                if not sections:
                    self.warn(table.line - 1, "table before any section (no BaseURL endpoint)")
                    sections.append(_SectionDraft("", "", table.line, None, []))
                sections[-1].tables.append(table)
                boundary = i
                continue
            i += 1
        if not any(s.tables for s in sections):
            last = max(self.n, 1)
            raise PageError(
                f"{self.source}: line {last}: end of input without any parameter table "
                "(no 'Table Filter', 'Table Excerpt Include' or 'Key/Format/CND' block)"
            )
        for s in sections:
            if not s.tables:
                self.warn(s.line - 1, f"section {s.title!r} has no parameter table")
        return Page(
            source=self.source,
            sections=tuple(
                Section(s.title, s.endpoint, s.line, tuple(s.tables), s.change) for s in sections
            ),
            warnings=tuple(self.warnings),
        )

    def parse_section_start(self, macro: int, end: int, boundary: int) -> tuple[_SectionDraft, int]:
        """A BaseURL block at ``macro``; ``end`` is the line after it (the endpoint line)."""
        title_idx = self.find_title(macro, boundary)
        title = self.at(title_idx) if title_idx >= 0 else ""
        if title_idx < 0:
            self.warn(macro, "no section title found above the BaseURL block")
        line = (title_idx if title_idx >= 0 else macro) + 1
        token = self.at(end)
        if not token:
            self.warn(end, "no endpoint file name right after the BaseURL block")
            return _SectionDraft(title, "", line, None, []), end
        words = token.split()
        named = [w for w in words if ".aspx" in w.lower()]
        if len(words) > 1:
            self.warn(end, f"endpoint line holds more than a file name: {token!r}")
        endpoint, change, problem = split_endpoint(named[0] if named else token)
        if problem:
            self.warn(end, problem)
        return _SectionDraft(title, endpoint, line, change, []), end + 1

    def find_title(self, macro: int, boundary: int) -> int:
        for k in range(macro - 1, boundary - 1, -1):
            line = self.lines[k]
            if not line or line.startswith(_MACRO_PARAMS) or line == "Multiexcerpt include":
                continue
            standalone = (k == 0 or not self.lines[k - 1]) and not self.at(k + 1)
            if (
                standalone
                and not line.endswith(_TITLE_END)
                and len(line.split()) <= 12
                and len(line) <= 100
            ):
                return k
        return -1

    # -- tables --

    def parse_table(self, start: int) -> tuple[Table, int]:
        excerpt = ""
        j = start
        if self.is_table_start(start):
            while j < self.n and self.lines[j]:
                line = self.lines[j]
                if line == "Table Excerpt Include" or self.is_header(j):
                    break  # the body starts without a blank line
                if line.startswith("MultiExcerptName"):
                    name = line[len("MultiExcerptName") :].strip()
                    if excerpt and name != excerpt:
                        self.warn(j, f"second excerpt name {name!r}; keeping {excerpt!r}")
                    else:
                        excerpt = name
                elif not line.startswith(_TABLE_NOISE):
                    self.warn(j, f"unknown table macro parameter {line!r} skipped")
                j += 1
        if not excerpt:
            self.warn(start, "table without a MultiExcerptName")
        entries: list[Entry] = []
        caption = ""
        while True:
            j = self.next_nonblank(j)
            if j >= self.n:
                self.warn(start, f"table {excerpt!r} reaches the end of input without a caption")
                break
            line = self.lines[j]
            if line == "Table Excerpt Include":
                include, j = self.parse_include(j)
                entries.append(include)
            elif self.is_header(j):
                j = self.skip_header(j)
            elif self.is_table_start(j):
                self.warn(j, f"table {excerpt!r} ends without a caption where a new table starts")
                break
            elif line == "Multiexcerpt include":
                end, name = self.read_macro(j)
                if name == "BaseURL":
                    self.warn(j, f"table {excerpt!r} ends without a caption where a section starts")
                    break
                self.warn(j, f"macro {{{{{name}}}}} between table rows skipped")
                j = end
            elif (m := _SQUASHED.fullmatch(line)) is not None:
                entries.append(self.squashed_row(m, j))
                j += 1
            elif self.is_explicit_row(j):
                row, j = self.explicit_row(j)
                entries.append(row)
            elif self.starts_entry(self.next_nonblank(j + 1)):
                entries.append(self.heading(j))
                j += 1
            else:
                caption = line
                j += 1
                break
        return Table(excerpt, caption, start + 1, tuple(entries)), j

    def parse_include(self, idx: int) -> tuple[Include, int]:
        name = page = ""
        j = idx + 1
        while j < self.n and self.lines[j]:
            line = self.lines[j]
            if not line.startswith(_INCLUDE_PARAMS):
                break  # no blank line after the block; let the table loop read this line
            if line.startswith("name"):
                name = line[len("name") :]
            elif line.startswith("page"):
                page = line[len("page") :]
            j += 1
        if not name:
            self.warn(idx, "Table Excerpt Include without a name")
        return Include(name, page, idx + 1), j

    def skip_header(self, idx: int) -> int:
        j = idx + 1
        while True:
            k = self.next_nonblank(j)
            if self.at(k) not in _HEADER_WORDS:
                return k
            j = k + 1

    def heading(self, idx: int) -> Heading:
        text = self.lines[idx]
        candidates = _glue_candidates(text, strict=True)
        if not candidates:
            self.warn(idx, f"line inside a table read as a heading without German text: {text!r}")
            return Heading(text, "", idx + 1)
        i = candidates[0]
        if len(candidates) > 1:
            i = _best_boundary(text, candidates)
            chosen = _around(text, i)
            self.warn(idx, f"heading {text!r}: several EN/DE boundaries, chose {chosen!r}")
        return Heading(text[:i].strip(), text[i:].strip(), idx + 1)

    # -- rows --

    def squashed_row(self, m: re.Match[str], idx: int) -> Row:
        draft = _RowDraft(self, idx, m["key"], m["fmt"], m["fmt2"] or "")
        cnd, rest, cnd_note = split_cnd(m["tail"])
        draft.set_cnd(cnd)
        draft.flag(cnd_note)
        if len(cnd) == 1:
            rest = draft.embedded_cnd(rest)
        en, de, ambiguous, note = split_en_de(rest)
        if ambiguous:
            draft.flag(note)
        if not rest.strip():
            self.warn(idx, f"row {draft.key!r} has no description")
        return draft.finish(en, de)

    def explicit_row(self, idx: int) -> tuple[Row, int]:
        f = self.next_nonblank(idx + 1)
        c = self.next_nonblank(f + 1)
        fm = _FORMAT_LINE.fullmatch(self.at(f))
        # is_explicit_row() has checked the format line, so fm is None only defensively.
        fmt, fmt2 = (fm["fmt"], fm["fmt2"] or "") if fm else (self.at(f), "")
        draft = _RowDraft(self, idx, self.at(idx), fmt, fmt2)
        cnd_text = self.at(c)
        if _CND_CELL.fullmatch(cnd_text) is None:
            self.warn(c, f"row {draft.key!r}: CND {cnd_text!r} is not M, O or C")
            draft.flag(f"CND {cnd_text!r} is not M, O or C")
            draft.cnd = cnd_text
        else:
            draft.set_cnd(cnd_text)  # two letters: old and new CND
        en, j = self.read_cell(c + 1)
        de, j = self.read_cell(j)
        if en is None:
            self.warn(c, f"row {draft.key!r} has no EN description")
        if de is None:
            self.warn(c, f"row {draft.key!r} has no DE description")
        return draft.finish(en or "", de or ""), j

    def read_cell(self, idx: int) -> tuple[str | None, int]:
        """Read one text cell starting at the next non-blank line after ``idx``."""
        k = self.next_nonblank(idx)
        if k >= self.n or self.is_structural(k):
            return None, idx
        parts: list[str] = []
        k = self.read_group(k, parts)
        # A blank line followed by a macro continues the cell when the text so far is
        # mid-sentence ("... discussed with" + {{Helpdesk-Name}} + "(configured in MAT).").
        while True:
            m = self.next_nonblank(k)
            if (
                self.at(m) == "Multiexcerpt include"
                and parts
                and not parts[-1].endswith(_SENTENCE_END)
            ):
                k = self.read_group(m, parts)
            else:
                return " ".join(parts), k

    def read_group(self, k: int, parts: list[str]) -> int:
        """Read consecutive non-blank lines (text and macros) into ``parts``."""
        while k < self.n and self.lines[k] and not self.is_structural(k):
            if self.lines[k] == "Multiexcerpt include":
                end, name = self.read_macro(k)
                if not name:
                    self.warn(k, "macro without a MultiExcerptName inside a cell")
                parts.append("{{" + (name or "?") + "}}")
                k = end
            else:
                parts.append(self.lines[k])
                k += 1
        return k


class _RowDraft:
    """Collects a row's fields, version changes and notes before freezing it into a Row."""

    def __init__(self, parser: _Parser, idx: int, key: str, fmt: str, fmt2: str) -> None:
        self.parser = parser
        self.idx = idx
        self.changes: list[Change] = []
        self.notes: list[str] = []
        self.ambiguous = False
        self.old_en: str | None = None  # set when an embedded CND split off the old EN text
        self.key = self.split_key(key)
        self.format = fmt
        if fmt2:
            self.set_format(fmt, fmt2)
        self.cnd = ""

    def flag(self, note: str) -> None:
        if note:
            self.ambiguous = True
            self.notes.append(note)

    def set_format(self, old: str, new: str) -> None:
        self.format = new
        if old != new:
            self.changes.append(Change("format", old, new))

    def set_cnd(self, cnd: str) -> None:
        if len(cnd) == 2 and cnd[0] in _CND_LETTERS and cnd[1] in _CND_LETTERS:
            self.changes.append(Change("cnd", cnd[0], cnd[1]))
            cnd = cnd[1]
        self.cnd = cnd

    def split_key(self, key: str) -> str:
        """Split a key merged from an old and a new identifier (see module docs)."""
        splits: list[int] = []
        for i in range(2, len(key) - 1):
            old, new = key[:i], key[i:]
            prev, cur = key[i - 1], key[i]
            known_old = self.parser.known_elsewhere(old, self.idx)
            known_new = self.parser.known_elsewhere(new, self.idx)
            if prev.islower() and cur.islower():
                # "Device|terminalType": no case change at the seam, so the right part must
                # look like a lowerCamel identifier of its own.
                if any(ch.isupper() for ch in new) and (known_old or known_new):
                    splits.append(i)
            elif prev.islower() and cur.isupper() and known_old and known_new:
                splits.append(i)  # an ordinary camelCase hump: both parts need evidence
        if len(splits) == 1:
            i = splits[0]
            self.changes.append(Change("key", key[:i], key[i:]))
            return key[i:]
        if splits:
            options = ", ".join(f"{key[:i]}|{key[i:]}" for i in splits)
            self.flag(f"key {key!r} may merge an old and a new name ({options}); kept merged")
        return key

    def embedded_cnd(self, rest: str) -> str:
        """Handle "old EN" + new CND letter + "new EN/DE"; return the text still to split."""
        hits = [m for m in _EMBEDDED_CND.finditer(rest) if m.group() != self.cnd]
        if not hits:
            return rest
        m = hits[0]
        # Only the first glued boundary of the text can end the old EN cell: a lone letter
        # further on may as well sit in the DE text.
        if len(hits) > 1 or m.end() != min(_glue_candidates(rest, strict=False), default=-1):
            self.flag(f"a lone {m.group()!r} glued into the text may be a hidden new CND; not used")
            return rest
        self.changes.append(Change("cnd", self.cnd, m.group()))
        self.cnd = m.group()
        self.old_en = rest[: m.start()].strip()
        return rest[m.end() :]

    def finish(self, en: str, de: str) -> Row:
        if self.old_en is not None:
            self.changes.append(Change("en", self.old_en, en))
        if any(c.field in ("key", "format", "cnd") for c in self.changes):
            cells = "the DE cell" if self.old_en is not None else "the EN and DE cells"
            self.flag(
                f"the row changed between versions and {cells} may mix old and new text; "
                "kept as printed"
            )
        if _looks_merged(en) or _looks_merged(de):
            self.flag("a doubled comma suggests interleaved old and new words")
        return Row(
            key=self.key,
            format=self.format,
            cnd=self.cnd,
            en=en,
            de=de,
            line=self.idx + 1,
            changes=tuple(self.changes),
            ambiguous=self.ambiguous,
            note="; ".join(self.notes),
        )


def parse_page(text: str, source: str = "<page>") -> Page:
    """Parse the text export ``text``; ``source`` names it in messages.

    Raises ``PageError`` only when the text holds no parameter table at all; anything else
    that cannot be read is reported in ``Page.warnings`` as ``"line N: ..."``.
    """
    return _Parser(text, source).parse()
