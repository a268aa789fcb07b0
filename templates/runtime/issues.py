"""One validation problem, in English and German.

Validators collect every problem of a parameter set instead of stopping at the
first, so a caller fixes them all in one round.
"""

from __future__ import annotations

from typing import Final

#: The rules a validator can report, with their names in both languages.
RULES: Final[dict[str, tuple[str, str]]] = {
    "missing": ("missing", "fehlt"),
    "type": ("not a string", "keine Zeichenkette"),
    "length": ("wrong length", "falsche Länge"),
    "charset": ("characters not allowed", "unerlaubte Zeichen"),
    "format": ("wrong format", "falsches Format"),
    "enum": ("value not allowed", "Wert nicht erlaubt"),
    "forbidden": ("forbidden character", "verbotenes Zeichen"),
    "condition": ("condition not met", "Bedingung nicht erfüllt"),
    "unknown": ("unknown parameter", "unbekannter Parameter"),
}

_LABELS: Final[dict[str, tuple[str, str]]] = {
    "allowed": ("allowed", "erlaubt"),
    "value": ("value", "Wert"),
}

MAX_SHOWN: Final = 40  # a long value is cut in messages, never in the data


class Issue:
    """A problem with one key: the rule broken, the value, and what is allowed."""

    __slots__ = ("allowed_de", "allowed_en", "key", "rule", "value")

    def __init__(
        self, key: str, rule: str, value: object, allowed_en: str, allowed_de: str
    ) -> None:
        self.key = key
        self.rule = rule
        self.value = value
        self.allowed_en = allowed_en
        self.allowed_de = allowed_de

    def shown_value(self) -> str:
        if self.value is None:
            return ""
        text = self.value if isinstance(self.value, str) else repr(self.value)
        if len(text) > MAX_SHOWN:
            text = text[: MAX_SHOWN - 1] + "…"
        return repr(text) if isinstance(self.value, str) else text

    def message(self, lang: str = "en") -> str:
        """``MerchantID: wrong length, value 'x…': allowed: 1 to 30 characters``."""
        i = 0 if lang == "en" else 1
        parts = [f"{self.key}: {RULES[self.rule][i]}"]
        shown = self.shown_value()
        if shown:
            parts.append(f"{_LABELS['value'][i]} {shown}")
        allowed = self.allowed_en if i == 0 else self.allowed_de
        return ", ".join(parts) + f"; {_LABELS['allowed'][i]}: {allowed}"

    def as_dict(self, lang: str = "en") -> dict[str, str | None]:
        return {
            "key": self.key,
            "rule": self.rule,
            "value": self.shown_value() or None,
            "allowed": self.allowed_en if lang == "en" else self.allowed_de,
            "message": self.message(lang),
        }

    def __repr__(self) -> str:
        return f"Issue({self.key!r}, {self.rule!r}, {self.shown_value() or None})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Issue):
            return NotImplemented
        return (self.key, self.rule, self.value) == (other.key, other.rule, other.value)

    def __hash__(self) -> int:
        return hash((self.key, self.rule, repr(self.value)))
