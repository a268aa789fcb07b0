"""A newline in a value is refused by every engine that reads the exported schemas.

No format allows a newline, yet engines differ on ``$``: in ECMA-262 (the regex
dialect of JSON Schema, and of jsonschema-rs) it matches only at the end of the
text, in Python's re (jsonschema) also before a final newline. The schemas end
their patterns in ``$`` and refuse a newline with a ``not`` beside the pattern
(generator/emit/schema.py); these tests hold every engine to the validators on
values with a newline at the end, at the start, inside, doubled and as CRLF:
jsonschema, fastjsonschema, jsonschema-rs, the generated validators, and
JavaScript's own RegExp (node) for the patterns themselves.
"""

from __future__ import annotations

import json
import re
from typing import Any

import paygate
import pytest
from emit_helpers import ROOT, js_regex_tests, real_spec, valid_values
from test_schema_agreement import MESSAGES, engines

from generator.emit.schema import newline_free
from generator.spec.model import Message, Parameter

SPEC = real_spec()
SCHEMAS = ROOT / "generated" / "schemas"


def newline_variants(value: str) -> list[str]:
    """Newlines added, and in place of the last or first character (the length stays)."""
    return [
        value + "\n",
        value + "\r\n",
        value + "\n\n",
        "\n" + value,
        value[:1] + "\n" + value[1:],
        value[:-1] + "\n",
        "\n" + value[1:],
    ]


def shortest(p: Parameter) -> str:
    """The shortest valid value: a newline added stays within the length limit."""
    return min(valid_values(SPEC, p), key=len)


def schema_of(msg: Message) -> dict[str, Any]:
    text = (SCHEMAS / f"{msg.id}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: m.id)
def test_every_engine_refuses_a_newline(msg: Message) -> None:
    base = {p.key: shortest(p) for p in msg.parameters}
    validate = paygate.VALIDATORS[msg.id]
    assert validate(base) == []
    checked = 0
    for p in msg.parameters:
        for bad in newline_variants(base[p.key]):
            params = {**base, p.key: bad}
            rules = {i.rule for i in validate(params) if i.key == p.key}
            assert rules, f"{msg.id} {p.key}={bad!r}: the validator accepts a newline"
            verdicts = {name: ok(params) for name, ok in engines(msg).items()}
            assert verdicts == dict.fromkeys(verdicts, False), f"{msg.id} {p.key}={bad!r}"
            checked += 1
    assert checked == 7 * len(msg.parameters)


def test_patterns_end_in_dollar_with_a_newline_guard() -> None:
    """No look-ahead where none is needed; every "$" pattern comes with its guard."""
    for msg in MESSAGES:
        for key, prop in schema_of(msg)["properties"].items():
            pattern = prop.get("pattern")
            if pattern is None:
                continue
            assert pattern.startswith("^") and pattern.endswith("$"), (msg.id, key, pattern)
            if "enum" not in prop:
                assert re.search(prop["not"]["pattern"], "\n"), (msg.id, key)


def test_javascript_reads_the_patterns_as_the_validators_do() -> None:
    """Pattern and guard in JavaScript (node, "u" flag) on valid and newline texts."""
    cases: list[tuple[str, str]] = []
    expected: list[tuple[str, str, bool]] = []
    for msg in MESSAGES:
        props = schema_of(msg)["properties"]
        for p in msg.parameters:
            prop = props[p.key]
            if "pattern" not in prop or "enum" in prop:
                continue
            good = shortest(p)
            guard = prop.get("not", {}).get("pattern")
            for text in [good, *newline_variants(good)]:
                cases.append((prop["pattern"], text))
                cases.append((guard or "(?!)", text))
                expected.append((f"{msg.id} {p.key}", text, "\n" not in text))
    found = js_regex_tests(cases)
    if found is None:
        pytest.skip("node is not installed")
    verdicts = [bool(m) and not bool(g) for m, g in zip(found[::2], found[1::2], strict=True)]
    pairs = zip(expected, verdicts, strict=True)
    wrong = [(where, text) for (where, text, ok), v in pairs if v != ok]
    assert wrong == []
    assert len(expected) > 50


@pytest.mark.parametrize(
    ("pattern", "free"),
    [
        ("[^\\x00-\\x1f\\x7f-\\x9f&]", True),
        ("[A-Za-z0-9]", True),
        ("[0-9]{4}-[0-9]{2}", True),
        ("true|false", True),
        ("a\\.b\\-c", True),
        ("[^\\n]", True),
        ("[^a]", False),
        (".*", False),
        ("a\\sb", False),
        ("[^a]b", False),
        ("(?s:a.)", False),
        ("[\\x00-\\x7f]b", False),
        ("[\\t-~]b", False),
        ("a\\\nb", False),
        ("a\nb", False),
    ],
)
def test_newline_free_errs_on_the_safe_side(pattern: str, free: bool) -> None:
    assert newline_free(pattern) is free
