"""Where a page meets the spec: shared definitions, wording macros, method and operation names.

Used by both the importer (``draft``) and the audit, so a page row is matched
to the shared library the same way in both.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..spec.model import Legend, Parameter
from .model import Include, Page, Row
from .text import normalize

# Operations that follow a payment, named as their endpoint file (reverse.aspx ...).
FOLLOW_UPS = ("reverse", "credit", "inquire", "capture")
_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")


class DraftError(ValueError):
    """The page cannot be turned into a draft (for example no method name can be found)."""


def expand_wording(text: str, legend: Legend, lang: str) -> tuple[str, tuple[str, ...]]:
    """Replace ``{{Name}}`` placeholders with legend.yaml ``wording``; also return unknown names."""
    wording = dict(legend.wording)
    unknown: list[str] = []

    def sub(m: re.Match[str]) -> str:
        found = wording.get(m[1].strip())
        if found is None:
            unknown.append(m[1])
            return m[0]
        return found.get(lang)

    return normalize(_PLACEHOLDER.sub(sub, text)), tuple(unknown)


def resolve_include(
    library: Mapping[str, Parameter], include: Include
) -> tuple[str | None, Parameter | None]:
    """The shared definition a page include names: ``(library name, definition)``.

    The name must match exactly. Otherwise ``(None, guess)``: a definition whose name
    differs only in case, or whose ``page`` is the include's page, when all such
    candidates share one key (the guess lets a table still be matched by key).
    """
    if include.name in library:
        return include.name, library[include.name]
    fold = include.name.casefold()
    candidates = [p for n, p in library.items() if n.casefold() == fold]
    if not candidates and include.page:
        page = include.page.casefold()
        candidates = [p for p in library.values() if (p.page or "").casefold() == page]
    if candidates and len({p.key for p in candidates}) == 1:
        return None, candidates[0]
    return None, None


@dataclass(frozen=True)
class SharedMatch:
    """How a page row relates to the shared library.

    ``name`` is set when the row is a shared definition: same key, format and
    CND, and the same text in every language the page gives; the draft includes
    it. Otherwise ``differs`` says how the row departs from the nearest shared
    definition of its key (empty when no definition has the key).
    """

    name: str | None
    differs: str = ""


def match_shared(library: Mapping[str, Parameter], row: Row, legend: Legend) -> SharedMatch:
    """The shared definition a page row is, if any (see ``SharedMatch``)."""
    same_key = [(n, p) for n, p in library.items() if p.key == row.key]
    if not same_key:
        folded = sorted({p.key for p in library.values() if p.key.casefold() == row.key.casefold()})
        if folded:
            return SharedMatch(None, f"the shared library spells the key {folded[0]!r}")
        return SharedMatch(None)
    texts = {
        lang: expand_wording(text, legend, lang)[0]
        for lang, text in (("en", row.en), ("de", row.de))
        if text is not None
    }

    def same_texts(p: Parameter) -> bool:
        return all(normalize(p.description.get(lang)) == t for lang, t in texts.items())

    def closeness(np: tuple[str, Parameter]) -> tuple[bool, bool, float, bool, str]:
        n, p = np
        ratio = sum(
            difflib.SequenceMatcher(None, t, normalize(p.description.get(lang))).ratio()
            for lang, t in texts.items()
        )
        values = p.format.raw == row.format and p.cnd == row.cnd
        return (not values, not same_texts(p), -ratio, n != row.key, n)

    name, p = min(same_key, key=closeness)
    if p.format.raw == row.format and p.cnd == row.cnd and same_texts(p):
        return SharedMatch(name)
    differences = [
        f"{what} {ours!r} (shared: {theirs!r})"
        for what, ours, theirs in (("format", row.format, p.format.raw), ("CND", row.cnd, p.cnd))
        if ours != theirs
    ]
    differences += [
        f"the {lang.upper()} text"
        for lang, t in texts.items()
        if t != normalize(p.description.get(lang))
    ]
    return SharedMatch(None, f"it differs from shared {name} in {', '.join(differences)}")


def split_warning(warning: str) -> tuple[int, str]:
    """A parser warning ``"line N: text"`` as ``(N, text)``; 0 when it names no line."""
    head, sep, text = warning.partition(": ")
    number = head.removeprefix("line ")
    if sep and head.startswith("line ") and number.isdigit():
        return int(number), text
    return 0, warning


def stem(endpoint: str) -> str:
    """``AlipayPlus.aspx`` -> ``alipayplus``: the endpoint's name, lower-case letters and digits."""
    return re.sub(r"[^a-z0-9]", "", endpoint.lower().removesuffix(".aspx"))


def operation_name(endpoint: str, method: str, payment_taken: bool) -> str:
    """``reverse.aspx`` -> ``reverse``; the method's endpoint (or the first other) -> payment."""
    name = stem(endpoint)
    if name in FOLLOW_UPS:
        return name
    if name == method or (not payment_taken and name):
        return "payment"
    return name


def method_from_page(page: Page) -> str:
    """The method name: the stem of the first endpoint that is not a follow-up operation."""
    for s in page.sections:
        name = stem(s.endpoint)
        if name and name not in FOLLOW_UPS:
            return name
    raise DraftError(
        f"{page.source}: no payment endpoint (a URL or BaseURL line other than "
        f"{', '.join(f + '.aspx' for f in FOLLOW_UPS)}) to name the method after; "
        "pass --method NAME (lower-case letters and digits)"
    )
