"""The generated validators and the generated JSON Schemas agree on what is valid.

The schemas are checked in three engines: jsonschema (Python's re), fastjsonschema
(Python's re, with "$" rewritten to the end of the text) and jsonschema-rs (Rust's
regex crate, ECMA-262's "$").
Inputs are mostly-valid parameter sets built from the spec model, with random
mutations: keys dropped, bad characters (a newline at the end among them),
long strings, unknown keys, values of other types, values of other keys.
Result schemas name keys in the vendor's case; results are tried with those
keys only (the Python parsers also accept any case, which JSON Schema cannot say).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import fastjsonschema
import jsonschema_rs
import paygate
import pytest
from emit_helpers import ROOT, js_regex_tests, real_spec, valid_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from generator.spec.model import Message

SPEC = real_spec()
MESSAGES = list(SPEC.messages())
SCHEMAS = ROOT / "generated" / "schemas"


@cache
def _schema_validator(message_id: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{message_id}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_validator(msg: Message) -> Draft202012Validator:
    return _schema_validator(msg.id)


@cache
def _engines(message_id: str) -> dict[str, Callable[[object], bool]]:
    """Each engine on the exported schema, as ``set -> is it valid?``."""
    schema = json.loads((SCHEMAS / f"{message_id}.schema.json").read_text(encoding="utf-8"))
    compiled = fastjsonschema.compile(schema)

    def fast(params: object) -> bool:
        try:
            compiled(params)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return {
        "jsonschema": _schema_validator(message_id).is_valid,
        "fastjsonschema": fast,
        "jsonschema-rs": jsonschema_rs.Draft202012Validator(schema).is_valid,
    }


def engines(msg: Message) -> dict[str, Callable[[object], bool]]:
    return _engines(msg.id)


BAD_TEXT = st.sampled_from(["\n", "\r", "\x00", "\x7f", "\x85", "&", "#", "%", "+", " ", "ä", "中"])
MUTATIONS = (
    "drop",
    "newline-at-end",
    "bad-char",
    "long",
    "any-text",
    "none",
    "other-type",
    "other-value",
    "case",
    "empty",
)
OTHER_TYPES = st.one_of(
    st.none(), st.integers(), st.floats(), st.booleans(), st.lists(st.text(max_size=3), max_size=2)
)


@st.composite
def parameter_sets(draw: st.DrawFn, msg: Message) -> dict[str, Any]:
    params = msg.parameters
    every_value = [v for p in params for v in valid_values(SPEC, p)]
    out: dict[str, Any] = {}
    # Start from every key, the mandatory keys, or a random choice (mandatory
    # keys mostly present, optional ones half of the time); the first two are
    # valid before the mutations.
    shape = draw(st.sampled_from(["every", "mandatory", "random"]))
    for p in params:
        if shape == "random":
            present = draw(st.booleans()) or (p.mandatory and draw(st.integers(0, 9)) > 0)
        else:
            present = shape == "every" or p.mandatory
        if present:
            out[p.key] = draw(st.sampled_from(valid_values(SPEC, p)))
    keys = [p.key for p in params]
    # Mostly one mutation: a set that is valid but for one thing finds the most.
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        key = draw(st.sampled_from(keys))
        kind = draw(st.sampled_from(MUTATIONS))
        base = str(out.get(key, draw(st.sampled_from(valid_values(SPEC, params[keys.index(key)])))))
        if kind == "drop":
            out.pop(key, None)
        elif kind == "newline-at-end":
            out[key] = base + "\n"
        elif kind == "bad-char":
            i = draw(st.integers(0, len(base)))
            out[key] = base[:i] + draw(BAD_TEXT) + base[i:]
        elif kind == "long":
            out[key] = base * draw(st.integers(2, 40))
        elif kind == "any-text":
            out[key] = draw(st.text(max_size=12))
        elif kind == "none":
            out[key] = None
        elif kind == "other-type":
            out[key] = draw(OTHER_TYPES)
        elif kind == "other-value":
            out[key] = draw(st.sampled_from(every_value))  # another key's valid value
        elif kind == "case":
            out[key] = base.lower() if draw(st.booleans()) else base.upper()
        else:
            out[key] = ""
    if draw(st.integers(0, 4)) == 0:
        folded = {k.lower() for k in keys}
        name = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}", fullmatch=True))
        if msg.strict or name.lower() not in folded:  # results: canonical case only
            out[name] = draw(st.one_of(st.text(max_size=5), OTHER_TYPES))
    return out


def check_agreement(msg: Message, params: dict[str, Any]) -> None:
    issues = paygate.VALIDATORS[msg.id](params)
    errors = list(schema_validator(msg).iter_errors(params))
    assert (issues == []) == (errors == []), (
        f"{msg.id}: the validator says {issues!r}, "
        f"the schema says {[e.message[:120] for e in errors]!r}"
    )
    for name, is_valid in engines(msg).items():
        assert is_valid(params) == (issues == []), (
            f"{msg.id}: the validator says {issues!r}, {name} on the schema says the opposite"
        )


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: m.id)
def test_validator_and_schema_agree(msg: Message) -> None:
    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(parameter_sets(msg))
    def agree(params: dict[str, Any]) -> None:
        check_agreement(msg, params)

    agree()


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: m.id)
def test_known_disagreements_stay_fixed(msg: Message) -> None:
    """Inputs on which the two once disagreed."""
    params = {p.key: valid_values(SPEC, p)[-1] for p in msg.parameters}
    for p in msg.parameters:
        # A present key with the value None is a wrong type, not an absent key.
        check_agreement(msg, {**params, p.key: None})
        # Python's "$" would accept a newline at the end (of a value short
        # enough that the newline does not break the length).
        short = min(valid_values(SPEC, p), key=len)
        check_agreement(msg, {**params, p.key: short + "\n"})


def test_schema_patterns_are_ecma_262() -> None:
    """Schemas are for users outside Python: every pattern works as a JS unicode regex."""
    cases: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "pattern" and isinstance(v, str):
                    cases.append((v, ""))
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for path in sorted(SCHEMAS.glob("*.schema.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    assert cases
    found = js_regex_tests(cases)
    if found is None:
        pytest.skip("node is not installed")
    assert [(p, r) for (p, _), r in zip(cases, found, strict=True) if isinstance(r, str)] == []
