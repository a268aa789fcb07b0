"""The small readings every layout shares: formats, CND, identifiers, EN or DE.

Heuristics (deterministic; a reader flags a row whenever it picks among several
readings):

* Format: a legend format ``(a|as|n|ns|an|ans)(..)?digits``, ``bool``, ``dttm``
  or ``enum``; two in a row (``ans..6ans..7``) are an old and a new format.
  Layout 6 pages use type words (``string``, ``integer``, ``JSON`` ...): they
  are formats too, kept verbatim and flagged by the importer.
* CND: one letter of M/O/C. Two different letters (``OC``) are old and new CND,
  unless the text after them would then start in lower case (``OCity`` is ``O``
  + ``City``). When both readings leave a text that starts like a word
  (``OCISO 3166``), the one-letter reading is kept and the row is flagged.
* EN/DE boundary in glued text: a capital letter followed by a lower-case letter
  that is glued, without a space, to the preceding letter, digit or closing
  punctuation (``numberEindeutige``, ``sent.Optionen``, ``APPOptionen``).
  Boundaries inside a word that occurs twice in the text are dropped:
  identifiers such as ``sdLastName`` are quoted in both languages. With several
  boundaries left, each is scored (German function words and umlauts to the
  right minus to the left, plus English function words to the left minus to
  the right); the best wins, ties go to the earliest, and the row is flagged.
* Language of a whole line (``language``): German and English function words
  and umlauts, counted; used where cells stand on lines of their own.
* Merged endpoint: ``alipay.aspxalipayplus.aspx`` is split after the first
  ``.aspx``; ``alipayalipayplus.aspx`` where one stem is a prefix of the other
  (both parts at least 3 characters). Several possible splits keep the merged
  name and warn.
"""

from __future__ import annotations

import re
from collections import Counter

from .model import Change

LEGEND_FORMAT = r"(?:(?:ans|an|as|ns|a|n)(?:\.\.)?[0-9]+|bool|dttm|enum)"
# Formats of JSON-style pages (layout 6); a length may follow in brackets.
TYPE_WORDS = (
    "string|integer|int|long|number|numeric|decimal|double|float|boolean|json|object|"
    "array|list|map|date|datetime|date-time|time|timestamp|uuid|url|uri|email|base64"
)
TYPE_FORMAT = rf"(?i:(?:{TYPE_WORDS})(?:\s*\(\s*[0-9.]+\s*\))?)"
FORMAT_CELL = re.compile(
    rf"(?P<fmt>{LEGEND_FORMAT})(?P<fmt2>{LEGEND_FORMAT})?|(?P<word>{TYPE_FORMAT})"
)
SPEC_FORMAT = re.compile(r"(ans|an|as|ns|a|n)(\.\.)?[0-9]+|bool|dttm")
# A CND cell of its own: one letter, or an old and a new letter.
CND_CELL = re.compile(r"[MOC]|MO|MC|OM|OC|CM|CO")
CND_LETTERS = "MOC"
# A parameter key: an identifier, dots and brackets allowed for nested JSON fields.
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-\[\]]*")
# A row number some pages put before the key: 1, 1.1, 2.3.1 (layout 6).
ROW_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)*\.?")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_LETTERS = re.compile(r"[^\W\d_]+")
# A lone CND letter between old text and a new capitalised text: "Last nameCLast name".
EMBEDDED_CND = re.compile(r"(?<=[a-zäöüß])[MOC](?=[A-ZÄÖÜ][a-zäöüß])")

# Punctuation that can close an EN cell right before the DE cell starts.
_CLOSERS = frozenset(".,;:!?)]”\"'")
SENTENCE_END = (".", "!", "?", ":")
_UMLAUTS = frozenset("äöüÄÖÜß")
# Function words only; words that exist in both languages (in, an, so, will) are left out.
# fmt: off
_DE_WORDS = frozenset({
    "der", "die", "das", "den", "dem", "des", "und", "oder", "wenn", "ist", "sind", "falls",
    "nicht", "ein", "eine", "einer", "eines", "einem", "für", "mit", "von", "vom", "zu",
    "zum", "zur", "auch", "nur", "bei", "wird", "werden", "wie", "kein", "keine", "gemäß",
    "ggf", "dieser", "diese", "dieses", "sowie", "ebenfalls", "bzw", "z", "sie", "ihre",
    "ihr", "dass", "durch", "über", "unter", "nach", "zahlung", "betrag", "beim", "im",
    "vor", "aus", "muss", "kann", "darf", "eindeutige", "erforderlich", "pflicht",
})
_EN_WORDS = frozenset({
    "the", "and", "or", "if", "is", "are", "of", "for", "with", "to", "when", "not", "only",
    "this", "that", "also", "such", "as", "from", "be", "by", "which", "no", "any", "its",
    "you", "your", "must", "can", "may", "payment", "amount", "unique", "required",
    "mandatory", "optional", "otherwise", "should", "will", "used", "than", "there",
})
# fmt: on


def clean(line: str) -> str:
    """A page line without zero-width characters and outer white space (NBSP included)."""
    return line.replace("\u200b", "").replace("\ufeff", "").strip()


def normalize(text: str) -> str:
    """Whitespace runs (including NBSP) as one space, without leading or trailing space."""
    return " ".join(text.split())


def german(text: str) -> int:
    words = [w.lower() for w in _LETTERS.findall(text)]
    return sum(w in _DE_WORDS for w in words) + sum(ch in _UMLAUTS for ch in text)


def english(text: str) -> int:
    return sum(w.lower() in _EN_WORDS for w in _LETTERS.findall(text))


def language(text: str) -> str:
    """ "de", "en", or "" when the words do not tell."""
    score = german(text) - english(text)
    return "de" if score > 0 else "en" if score < 0 else ""


def glue_candidates(text: str, strict: bool) -> list[int]:
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


def best_boundary(text: str, candidates: list[int]) -> int:
    """The boundary after which the text reads German and before which it reads English."""

    def score(i: int) -> int:
        left, right = text[:i], text[i:]
        return german(right) - german(left) + english(left) - english(right)

    # max() keeps the first of equal scores, so ties go to the earliest boundary.
    return max(candidates, key=score)


def around(text: str, i: int) -> str:
    return text[max(0, i - 10) : i] + "|" + text[i : i + 10]


def split_en_de(text: str) -> tuple[str, str, bool, str]:
    """Split a squashed "EN text" + "DE text" cell pair.

    Returns ``(en, de, ambiguous, note)``. Without any boundary the whole text goes to ``en``.
    """
    text = text.strip()
    if not text:
        return "", "", False, ""
    candidates = glue_candidates(text, strict=False)
    if not candidates:
        return text, "", True, "no EN/DE boundary found; the whole text is kept in en"
    i = candidates[0] if len(candidates) == 1 else best_boundary(text, candidates)
    en, de = text[:i].strip(), text[i:].strip()
    if len(candidates) == 1:
        return en, de, False, ""
    others = ", ".join(repr(around(text, c)) for c in candidates if c != i)
    note = (
        f"{len(candidates)} possible EN/DE boundaries; chose {around(text, i)!r} "
        f"(the text after it reads German), not {others}"
    )
    return en, de, True, note


def split_lines_en_de(parts: list[str]) -> tuple[str, str, str]:
    """EN and DE text from the lines (or blank-separated groups) of two text cells.

    Returns ``(en, de, note)``; ``note`` is set when the split was a guess. Two
    parts are EN then DE. More parts are cut where the lines before read most
    English and the lines after most German (ties: the middle).
    """
    if len(parts) == 1:
        en, de, ambiguous, note = split_en_de(parts[0])
        return en, de, note if ambiguous else ""
    if len(parts) == 2:
        return parts[0], parts[1], ""

    def score(cut: int) -> int:
        left, right = " ".join(parts[:cut]), " ".join(parts[cut:])
        return german(right) - german(left) + english(left) - english(right)

    cuts = range(1, len(parts))
    best = max(score(c) for c in cuts)
    winners = [c for c in cuts if score(c) == best]
    cut = winners[len(winners) // 2]
    note = ""
    if len(winners) > 1:
        note = f"{len(parts)} text lines; EN/DE split after line {cut} is a guess"
    return " ".join(parts[:cut]), " ".join(parts[cut:]), note


def split_cnd(tail: str) -> tuple[str, str, str]:
    """Split ``tail`` (starting with a CND letter) into ``(cnd, rest, note)``.

    ``cnd`` has two letters (old, new) when the text reads as such; ``note`` is set when both
    readings are possible and the one-letter reading was kept.
    """
    if not tail or tail[0] not in CND_LETTERS:
        return "", tail, "no CND letter"
    one, rest1 = tail[0], tail[1:]
    if len(tail) < 2 or tail[1] not in CND_LETTERS or tail[1] == tail[0]:
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


def looks_merged(text: str) -> bool:
    """A doubled comma: the trace of interleaved old and new word lists."""
    return ",," in text or ", ," in text
