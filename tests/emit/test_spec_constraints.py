"""Every rule of every table of the real spec, through the generated validators.

For each request and result message and each parameter: valid values pass, and
per constraint (missing when M, type, length, characters, enum, forbidden, ISO)
a value fails with exactly that rule. Values come from the spec model and
independent oracles (generator_helpers), never from the generated code.
"""

from __future__ import annotations

from typing import Any

import paygate
import pytest
from emit_helpers import (
    ABSENT,
    failing_cases,
    full_params,
    mandatory_params,
    real_spec,
    valid_values,
)

from generator.spec.model import Message, Parameter

SPEC = real_spec()
MESSAGES = list(SPEC.messages())


def validator(msg: Message):  # type: ignore[no-untyped-def]
    return paygate.VALIDATORS[msg.id]


def rules_of(issues: list[paygate.Issue]) -> list[tuple[str, str]]:
    return sorted((i.key, i.rule) for i in issues)


def param_cases() -> list[Any]:
    out: list[Any] = []
    for msg in MESSAGES:
        for p in msg.parameters:
            for name, value, rules in failing_cases(SPEC, p):
                out.append(pytest.param(msg, p, value, rules, id=f"{msg.id}-{p.key}-{name}"))
    return out


def valid_cases() -> list[Any]:
    return [
        pytest.param(msg, p, value, id=f"{msg.id}-{p.key}-{value[:12]!r}")
        for msg in MESSAGES
        for p in msg.parameters
        for value in valid_values(SPEC, p)
    ]


def test_every_message_has_a_validator() -> None:
    assert sorted(paygate.VALIDATORS) == sorted(m.id for m in MESSAGES)


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: m.id)
def test_complete_and_minimal_sets_pass(msg: Message) -> None:
    assert validator(msg)(full_params(SPEC, msg)) == []
    assert validator(msg)(mandatory_params(SPEC, msg)) == []


@pytest.mark.parametrize(("msg", "p", "value"), valid_cases())
def test_valid_value_passes(msg: Message, p: Parameter, value: str) -> None:
    params = full_params(SPEC, msg)
    params[p.key] = value
    assert validator(msg)(params) == []


@pytest.mark.parametrize(("msg", "p", "value", "rules"), param_cases())
def test_value_fails_with_exactly_its_rule(
    msg: Message, p: Parameter, value: object, rules: set[str]
) -> None:
    params = full_params(SPEC, msg)
    if value is ABSENT:
        del params[p.key]
    else:
        params[p.key] = value
    issues = validator(msg)(params)
    assert rules_of(issues) == sorted((p.key, r) for r in rules)
    for issue in issues:
        assert issue.value == (None if value is ABSENT else value)
        # Every issue says what is allowed, in both languages.
        assert issue.allowed_en and issue.allowed_de
        assert p.key in issue.message("en") and p.key in issue.message("de")


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: m.id)
def test_missing_mac_only_counts_with_mac(msg: Message) -> None:
    computed = [p.key for p in msg.parameters if p.computed and p.mandatory]
    params = full_params(SPEC, msg)
    for key in computed:
        del params[key]
    assert rules_of(validator(msg)(params, with_mac=False)) == []
    assert rules_of(validator(msg)(params)) == sorted((k, "missing") for k in computed)


# --- conditions ------------------------------------------------------------------


def rule_cases(kind: str) -> list[Any]:
    return [
        pytest.param(msg, rule, id=f"{msg.id}-{rule.id}")
        for msg in MESSAGES
        for rule in msg.rules
        if rule.kind == kind
    ]


@pytest.mark.parametrize(("msg", "rule"), rule_cases("required-if"))
def test_required_if(msg: Message, rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.when_key is not None
    when = msg.parameter(rule.when_key)
    assert when is not None
    for value in when.value_names or rule.when_in:
        params = full_params(SPEC, msg)
        params[rule.when_key] = value
        for key in rule.keys:
            del params[key]
        issues = validator(msg)(params)
        expected = [(k, "condition") for k in rule.keys] if value in rule.when_in else []
        assert rules_of(issues) == sorted(expected), value
        for issue in issues:  # the issue states the rule in both languages
            assert rule.when_key in issue.allowed_en and rule.when_key in issue.allowed_de
    # without the trigger key, the keys are optional
    params = full_params(SPEC, msg)
    for key in (rule.when_key, *rule.keys):
        params.pop(key, None)
    assert validator(msg)(params) == []


@pytest.mark.parametrize(("msg", "rule"), rule_cases("all-or-none"))
def test_all_or_none(msg: Message, rule) -> None:  # type: ignore[no-untyped-def]
    keys = list(rule.keys)
    for mask in range(2 ** len(keys)):
        present = {k for i, k in enumerate(keys) if mask >> i & 1}
        params = full_params(SPEC, msg)
        for key in keys:
            if key not in present:
                del params[key]
        issues = validator(msg)(params)
        if present and len(present) < len(keys):
            expected = sorted((k, "condition") for k in keys if k not in present)
        else:
            expected = []
        assert rules_of(issues) == expected, present


@pytest.mark.parametrize(("msg", "rule"), rule_cases("merchant-decides"))
def test_merchant_decides_is_checked_as_optional(msg: Message, rule) -> None:  # type: ignore[no-untyped-def]
    params = full_params(SPEC, msg)
    for key in rule.keys:
        del params[key]
    assert validator(msg)(params) == []


# --- keys ------------------------------------------------------------------------

REQUESTS = [m for m in MESSAGES if m.role == "request"]
RESULTS = [m for m in MESSAGES if m.role == "result"]


@pytest.mark.parametrize("msg", REQUESTS, ids=lambda m: m.id)
def test_request_unknown_key_names_the_allowed_keys(msg: Message) -> None:
    params = full_params(SPEC, msg)
    params["NoSuchKey"] = "x"
    (issue,) = validator(msg)(params)
    assert (issue.key, issue.rule) == ("NoSuchKey", "unknown")
    for p in msg.parameters:
        assert p.key in issue.allowed_en and p.key in issue.allowed_de


@pytest.mark.parametrize("msg", REQUESTS, ids=lambda m: m.id)
def test_request_case_slip_says_did_you_mean(msg: Message) -> None:
    for p in msg.parameters:
        for slip in {p.key.lower(), p.key.upper(), p.key.swapcase()} - {p.key}:
            params = full_params(SPEC, msg)
            params[slip] = params.pop(p.key)
            issues = validator(msg)(params)
            expected = [(slip, "unknown")] + ([(p.key, "missing")] if p.mandatory else [])
            # the renamed key is absent for the conditions too (the rest is all present)
            expected += [
                (p.key, "condition")
                for r in msg.rules
                if p.key in r.keys
                and (r.kind == "all-or-none" or params.get(r.when_key or "") in r.when_in)
            ]
            assert rules_of(issues) == sorted(expected), slip
            unknown = next(i for i in issues if i.rule == "unknown")
            assert f"did you mean {p.key!r}" in unknown.allowed_en
            assert f"meinten Sie {p.key!r}" in unknown.allowed_de


@pytest.mark.parametrize("msg", RESULTS, ids=lambda m: m.id)
def test_result_is_lenient(msg: Message) -> None:
    params = full_params(SPEC, msg)
    for fold in (str.lower, str.upper, str.swapcase):
        folded = {fold(k): v for k, v in params.items()}
        folded["SomethingNew"] = "kept"
        assert validator(msg)(folded) == [], fold
    # a mandatory key in any case still counts as present, and its absence is seen
    for p in msg.parameters:
        if p.mandatory:
            rest = {k.upper(): v for k, v in params.items() if k != p.key}
            issues = validator(msg)(rest)
            assert rules_of(issues) == [(p.key, "missing")]


@pytest.mark.parametrize("msg", RESULTS, ids=lambda m: m.id)
def test_result_parser_keeps_extra_keys_and_reads_any_case(msg: Message) -> None:
    parse = paygate.PARSERS[msg.id]
    params = full_params(SPEC, msg)
    mixed: dict[str, str] = {k.swapcase(): str(v) for k, v in params.items()}
    mixed["NewParameter"] = "1"
    mixed["newparameter2"] = "2"
    result = parse(mixed)
    for p in msg.parameters:
        assert getattr(result, p.key) == params[p.key]
    assert dict(result.extra) == {"NewParameter": "1", "newparameter2": "2"}
