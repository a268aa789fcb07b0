"""The validators' fast path decides exactly what the rule-by-rule checks decide.

Each generated validator first asks ``_valid_<message>`` (no Issue built, C-level
string methods, one check per character class over the values joined) and runs
the rule-by-rule ``_issues_<message>`` only when that says no. Both must agree on
every set: the mostly-valid sets of the schema agreement test, and sets with one
value replaced by arbitrary text from an alphabet of the characters where string
methods and regexes part ways (controls, C1, no-break space, soft hyphen, line
separators, unassigned and private-use code points, lone surrogates, non-ASCII
digits and letters). The C-level test of each character class is checked
against the class's regex on its own as well.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from emit_helpers import real_spec, valid_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paygate import validators
from test_schema_agreement import MESSAGES, parameter_sets

from generator.emit.python import class_check, fn_name
from generator.spec.model import Message

SPEC = real_spec()

# Where str methods and regex classes part ways.
TRICKY = (
    "aZ09 -&#%+"  # ASCII letters, digits, punctuation, the pair separator
    "\x00\t\n\r\x1f\x7f\x80\x85\x9f"  # C0, DEL, C1
    "\xa0\xad\u200b\u2028\u2029\u3000"  # no-break space, soft hyphen, zero width, separators
    "\u0378\ue000\U0010fffd"  # unassigned, private use
    "\ud800\udfff"  # lone surrogates
    "äß中Ａ٣²½"  # non-ASCII letters, digits and numbers
    "😀"
)
TEXT = st.text(alphabet=st.sampled_from(TRICKY), max_size=12)


def fast_and_slow(msg: Message) -> tuple[Any, Any]:
    fn = fn_name(msg.id)
    return getattr(validators, f"_valid_{fn}"), getattr(validators, f"_issues_{fn}")


def check_same(msg: Message, params: dict[str, Any]) -> None:
    if msg.case_insensitive:
        params = {str(k).lower(): v for k, v in params.items()}
    valid, issues = fast_and_slow(msg)
    for with_mac in (True, False):
        found = issues(params, with_mac)
        assert valid(params, with_mac) == (found == []), (msg.id, with_mac, params, found)


def test_every_message_has_a_fast_path() -> None:
    for msg in MESSAGES:
        fast_and_slow(msg)


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: m.id)
def test_fast_path_agrees_on_mutated_sets(msg: Message) -> None:
    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(parameter_sets(msg))
    def agree(params: dict[str, Any]) -> None:
        check_same(msg, params)

    agree()


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: m.id)
def test_fast_path_agrees_on_arbitrary_text(msg: Message) -> None:
    keys = [p.key for p in msg.parameters]
    base = {p.key: valid_values(SPEC, p)[0] for p in msg.parameters}

    @settings(max_examples=400, deadline=None)
    @given(st.sampled_from(keys), TEXT, st.sampled_from(keys), TEXT)
    def agree(key: str, text: str, other: str, more: str) -> None:
        check_same(msg, {**base, key: text})
        check_same(msg, {**base, key: text, other: more})

    agree()


def test_fast_path_refuses_str_subclasses_as_the_rules_do() -> None:
    class Text(str):
        pass

    for msg in MESSAGES:
        base = {p.key: valid_values(SPEC, p)[0] for p in msg.parameters}
        for p in msg.parameters:
            check_same(msg, {**base, p.key: Text(base[p.key])})


def legend_classes() -> list[str]:
    return [
        SPEC.legend.char_class(f.name)
        for f in SPEC.legend.formats
        if f.pattern is None and f.classes
    ]


@pytest.mark.parametrize("char_class", legend_classes())
def test_class_check_is_the_regex_on_arbitrary_text(char_class: str) -> None:
    check, exact = class_check(char_class)
    regex = re.compile(char_class + "*")

    @settings(max_examples=1000, deadline=None)
    @given(st.one_of(TEXT, st.text(max_size=20)))
    def same(t: str) -> None:
        matches = regex.fullmatch(t) is not None
        if check is None:
            return
        quick = bool(eval(check, {}, {"t": t}))
        if exact:
            assert quick == matches, (t, check)
        else:
            assert matches or not quick, (t, check)  # quick yes only where the regex says yes

    same()


def test_each_class_has_a_c_level_check_where_one_fits() -> None:
    checks = {c: class_check(c) for c in legend_classes()}
    assert checks["[0-9]"] == ("t.isascii() and (t.isdigit() or not t)", True)
    assert checks["[A-Za-z]"][1] and checks["[A-Za-z0-9]"][1]
    ans = SPEC.legend.char_class("ans")
    assert checks[ans] == ("t.isprintable() and '&' not in t", False)
