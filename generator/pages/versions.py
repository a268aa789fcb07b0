"""Rows of a "Versions Compared" export, where old and new text are glued together.

Confluence prints a changed cell as the removed text followed by the added
text, with no marker (``DeviceterminalType``, ``ans..6ans..7``, ``OC``). A
``RowDraft`` collects a row's cells and, on such a page, tells the two
versions apart where it can: fields hold the newer text and a
``Change(field, old, new)`` records the pair. On any other page glued values
are not split: they are kept as printed and flagged.

* Merged key: ``DeviceterminalType`` is split where a lower-case letter meets a
  lower-case letter and the right part is a lowerCamel identifier (has a
  capital), or where a lower-case letter meets a capital; in either case the
  parts must be evidenced by the rest of the page: at least one part (both parts
  for the lower->Upper seam, an ordinary camelCase hump) must occur as a word on
  another line. Several possible splits leave the key merged and flag the row.
* Embedded CND: a lone M/O/C glued between a lower-case letter and a capitalised
  word (``Last nameCLast name, ...``) is the new CND and the text before it the
  old EN text, but only when it is the first glued boundary of the text.
* Merged texts: when a row's key, format or CND changed, its texts may mix old
  and new words; they are kept as printed and the row is flagged. So is a text
  with a doubled comma (``DesktopWEB,, MobileWAP``).
"""

from __future__ import annotations

from collections.abc import Callable

from .model import Change, Row
from .text import CND_CELL, CND_LETTERS, EMBEDDED_CND, glue_candidates, looks_merged

Evidence = Callable[[str, int], bool]  # (word, line index) -> occurs on another line


class RowDraft:
    """Collects a row's fields, version changes and notes before freezing it into a Row."""

    def __init__(
        self,
        idx: int,
        key: str,
        fmt: str,
        fmt2: str,
        *,
        versions: bool,
        evidence: Evidence,
        number: str = "",
    ) -> None:
        self.idx = idx
        self.versions = versions
        self.evidence = evidence
        self.number = number
        self.changes: list[Change] = []
        self.notes: list[str] = []
        self.ambiguous = False
        self.old_en: str | None = None  # set when an embedded CND split off the old EN text
        self.key = self.split_key(key) if versions else key
        self.format = fmt
        if fmt2:
            if versions:
                self.format = fmt2
                if fmt != fmt2:
                    self.changes.append(Change("format", fmt, fmt2))
            else:
                self.format = fmt + fmt2
                self.flag(f"format {fmt + fmt2!r} holds two formats; kept as printed")
        self.cnd = ""

    def flag(self, note: str) -> None:
        if note:
            self.ambiguous = True
            self.notes.append(note)

    def set_cnd(self, cnd: str) -> None:
        """A CND cell: one letter, an old/new pair (versions only), or anything else (flagged)."""
        if CND_CELL.fullmatch(cnd) is None:
            self.flag(f"CND {cnd!r} is not M, O or C")
        elif len(cnd) == 2:
            if self.versions:
                self.changes.append(Change("cnd", cnd[0], cnd[1]))
                cnd = cnd[1]
            else:
                self.flag(f"CND {cnd!r} holds two letters; kept as printed")
        self.cnd = cnd

    def split_key(self, key: str) -> str:
        """Split a key merged from an old and a new identifier (see module docs)."""
        splits: list[int] = []
        for i in range(2, len(key) - 1):
            old, new = key[:i], key[i:]
            prev, cur = key[i - 1], key[i]
            known_old = self.evidence(old, self.idx)
            known_new = self.evidence(new, self.idx)
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
        if not self.versions or self.cnd not in CND_LETTERS or len(self.cnd) != 1:
            return rest
        hits = [m for m in EMBEDDED_CND.finditer(rest) if m.group() != self.cnd]
        if not hits:
            return rest
        m = hits[0]
        # Only the first glued boundary of the text can end the old EN cell: a lone letter
        # further on may as well sit in the DE text.
        if len(hits) > 1 or m.end() != min(glue_candidates(rest, strict=False), default=-1):
            self.flag(f"a lone {m.group()!r} glued into the text may be a hidden new CND; not used")
            return rest
        self.changes.append(Change("cnd", self.cnd, m.group()))
        self.cnd = m.group()
        self.old_en = rest[: m.start()].strip()
        return rest[m.end() :]

    def finish(self, en: str | None, de: str | None) -> Row:
        if self.old_en is not None:
            self.changes.append(Change("en", self.old_en, en or ""))
        if any(c.field in ("key", "format", "cnd") for c in self.changes):
            cells = "the DE cell" if self.old_en is not None else "the description cells"
            self.flag(
                f"the row changed between versions and {cells} may mix old and new text; "
                "kept as printed"
            )
        if self.versions and (looks_merged(en or "") or looks_merged(de or "")):
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
            number=self.number,
        )
