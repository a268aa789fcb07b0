"""Emit one JSON Schema (Draft 2020-12) per message into generated/schemas/.

For users outside Python. The schema states the same rules as the generated
validators: the property tests in tests/emit check that both agree, in
jsonschema, fastjsonschema and jsonschema-rs.
Result schemas name keys in the vendor's case; the Python parsers also accept
any case, which JSON Schema cannot express.

**The end of a pattern.** JSON Schema's patterns are ECMA-262 regexes, in
which ``$`` (without the ``m`` flag) matches only at the end of the text.
Python's ``re``, which jsonschema uses as it is, also lets ``$`` match before
a final newline, so ``^[A-Za-z]*$`` would accept ``"EUR\\n"`` there. The
schemas therefore say it twice, in forms every engine reads alike:

- patterns are ``^(?:...)$``, the form every engine knows, with no look-ahead;
- a ``not`` beside the pattern refuses a newline anywhere in the value
  (``"not": {"pattern": "\\n"}``, or ``"[\\n#&%+]"`` with the parameter's
  forbidden characters). No format allows a newline (it is a control character),
  so in an ECMA-262 engine the ``not`` changes nothing; in Python it closes
  the final-newline gap.

Rejected: ending each pattern in the look-ahead ``(?![\\s\\S])`` (exact in
ECMA-262 and Python, but engines built on RE2 or Rust's regex crate have no
look-ahead: Go's regexp refuses the pattern, jsonschema-rs falls back to a
backtracking engine six times slower); ``\\z`` or ``\\Z`` (not ECMA-262);
``$`` alone (wrong in Python). A property whose pattern could match a
newline keeps the look-ahead, and one with a value list needs no ``not``
(the list is exact in every engine).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..spec import texts
from ..spec.model import Message, Parameter, Spec
from .python import iso_data

# End of input for a pattern that could match a newline: exact in ECMA-262 and
# Python, but a look-ahead (see the module docstring).
LOOK_AHEAD_END = r"(?![\s\S])"
# Escapes that never match a newline: \d, \w and escaped punctuation.
_SAFE_ESCAPE = re.compile(r"\\[dw]|\\[^0-9A-Za-z\x00-\x1f]")
# After those, the parts that might match a newline: any other escape, ".",
# a negated class, an inline flag such as (?s), a control character.
_MAY_MATCH_NEWLINE = re.compile(r"[\\.\x00-\x1f]|\[\^|\(\?[A-Za-z]")


def _class_escape(chars: tuple[str, ...]) -> str:
    """A regex character class of exactly ``chars``, valid in Python and ECMA-262 ("u" flag).

    Only the characters with a meaning inside brackets are escaped (a newline
    as ``\\n``): ECMA-262's unicode mode rejects escapes such as ``\\#`` that
    Python's re.escape writes.
    """
    if chars == ("\n",):
        return "\\n"
    return "[" + "".join(_class_char(c) for c in chars) + "]"


def _class_char(c: str) -> str:
    if c == "\n":
        return "\\n"
    return "\\" + c if c in "\\]^-[" else c


def newline_free(pattern: str) -> bool:
    """True when no text ``pattern`` matches can hold a newline.

    Decided on the pattern's text, erring on the safe side: a single class is
    tried on a newline; any other pattern is newline-free only when it has no
    part that might match one (``.``, ``\\s``, ``\\x0a``, a negated class, ...;
    a class range cannot reach a newline without an escape or a control
    character).
    """
    if re.fullmatch(r"\[[^\]]*\]", pattern):
        return re.fullmatch(pattern, "\n") is None
    return _MAY_MATCH_NEWLINE.search(_SAFE_ESCAPE.sub("", pattern)) is None


def _property(spec: Spec, msg: Message, p: Parameter, iso: dict[str, list[str]]) -> dict[str, Any]:
    fmt = p.enforced
    prop: dict[str, Any] = {"type": "string", "description": p.description.en}
    if p.values:
        prop["enum"] = list(p.value_names)
    else:
        letter = spec.legend.format_letter(fmt.kind)
        assert letter is not None
        if fmt.length is not None:
            prop["minLength"] = fmt.min_length
            prop["maxLength"] = fmt.length
        else:
            prop["minLength"] = 1
        if p.pattern is not None or letter.pattern is not None:
            body = p.pattern or letter.pattern
            assert body is not None
            guard = newline_free(body)
            body = f"(?:{body})"
        else:
            body = spec.legend.char_class(fmt.kind)
            guard = newline_free(body)
            body += "*"
        prop["pattern"] = f"^{body}$" if guard else f"^{body}{LOOK_AHEAD_END}"
        # What the value must never hold: a newline (for Python's "$"; no
        # format allows one) and the forbidden characters. A value list is
        # exact in every engine and needs no newline guard.
        never = (("\n",) if guard and not p.check else ()) + p.forbidden
        if never:
            prop["not"] = {"pattern": _class_escape(never)}
        if p.check:
            prop["enum"] = iso[p.check]
    prop["x-paygate"] = {"format": p.format.raw, "cnd": p.cnd, "de": p.description.de}
    return prop


def message_schema(spec: Spec, msg: Message) -> dict[str, Any]:
    currencies, countries, _ = iso_data()
    iso = {"iso4217": [c for c, _ in currencies], "iso3166-alpha2": countries}
    props = {p.key: _property(spec, msg, p, iso) for p in msg.parameters}
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://paygate.invalid/schemas/{msg.id}.schema.json",
        "$comment": f"Generated by paygate from spec/ (spec sha256 {spec.digest}). Do not edit: "
        'change spec/ or templates/ and run "paygate generate".',
        "title": msg.id,
        "description": msg.caption.en,
        "type": "object",
        "properties": props,
        "required": [p.key for p in msg.parameters if p.mandatory],
        "additionalProperties": not msg.strict,
    }
    all_of: list[dict[str, Any]] = []
    for r in msg.rules:
        sentence = texts.rule_sentence(r).en
        if r.kind == "required-if":
            assert r.when_key is not None
            all_of.append(
                {
                    "description": sentence,
                    "if": {
                        "properties": {r.when_key: {"enum": list(r.when_in)}},
                        "required": [r.when_key],
                    },
                    "then": {"required": list(r.keys)},
                }
            )
        elif r.kind == "all-or-none":
            all_of.append(
                {
                    "description": sentence,
                    "anyOf": [
                        {"required": list(r.keys)},
                        {"not": {"anyOf": [{"required": [k]} for k in r.keys]}},
                    ],
                }
            )
    if all_of:
        schema["allOf"] = all_of
    return schema


def emit_schemas(spec: Spec) -> dict[str, str]:
    return {
        f"schemas/{m.id}.schema.json": json.dumps(
            message_schema(spec, m), indent=2, ensure_ascii=False
        )
        + "\n"
        for m in spec.messages()
    }
