"""Typed builders, to_minor_units, result parsers and the Code decoder of the generated package."""

from __future__ import annotations

import inspect
import typing
from decimal import Decimal
from typing import Any, Literal

import paygate
import pytest
from emit_helpers import full_params, iso_set, real_spec, valid_value, words

from generator.emit.python import class_name, fn_name
from generator.spec.model import Operation

SPEC = real_spec()
OPS = list(SPEC.operations)


def builder(op: Operation) -> Any:
    return getattr(paygate, f"build_{fn_name(op.id)}")


def builder_kwargs(op: Operation) -> dict[str, object]:
    """Valid arguments for every parameter the caller gives (all but the computed MAC)."""
    out: dict[str, object] = {}
    for p in op.request.parameters:
        if p.computed:
            continue
        value = valid_value(SPEC, p)
        out[p.key] = int(value) if p.enforced.kind == "n" else value
    return out


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.id)
def test_builder_signature_is_the_vendor_table(op: Operation) -> None:
    sig = inspect.signature(builder(op))
    hints = typing.get_type_hints(builder(op))
    given = [p for p in op.request.parameters if not p.computed]
    assert list(sig.parameters) == [p.key for p in given]
    for p in given:
        param = sig.parameters[p.key]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY
        if p.values and p.enforced.kind != "n":
            base: Any = Literal[tuple(p.value_names)]
        elif p.enforced.kind == "n":
            base = int
        else:
            base = str
        if p.mandatory:
            assert param.default is inspect.Parameter.empty, p.key
            assert hints[p.key] == base, p.key
        else:
            assert param.default is None, p.key
            assert hints[p.key] == base | None, p.key
    assert hints["return"] == dict[str, str]


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.id)
def test_builder_docstring_is_from_the_descriptions(op: Operation) -> None:
    doc = words(builder(op).__doc__)
    assert words(op.title.en) in doc and words(op.request.caption.en) in doc
    for p in op.request.parameters:
        if not p.computed:
            assert f"{p.key}: {p.format.raw} {p.cnd}" in doc
            assert words(p.description.en) in doc, p.key


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.id)
def test_builder_returns_wire_strings_in_vendor_order(op: Operation) -> None:
    kwargs = builder_kwargs(op)
    built = builder(op)(**kwargs)
    assert list(built) == [p.key for p in op.request.parameters if not p.computed]
    assert all(type(v) is str for v in built.values())
    for key, value in kwargs.items():
        assert built[key] == str(value)
    # with the MAC the runtime adds, it is a valid request
    assert paygate.VALIDATORS[op.request.id]({**built, "MAC": "0" * 64}) == []
    # optional arguments left out are not sent
    mandatory = {p.key for p in op.request.parameters if p.mandatory}
    built = builder(op)(**{k: v for k, v in kwargs.items() if k in mandatory})
    assert set(built) == mandatory - {p.key for p in op.request.parameters if p.computed}


def test_builder_raises_one_error_with_every_issue() -> None:
    op = SPEC.operation("alipayplus.payment")
    kwargs = builder_kwargs(op)
    kwargs.update(
        MerchantID="x" * 31,  # too long
        Currency="EURO",  # too long (and so not ISO: only the length is reported)
        OrderDesc="50% off",  # forbidden %
        terminalType="APP",
        Amount=-5,  # "-5" has a character n does not allow
    )
    del kwargs["osType"]  # required for APP
    del kwargs["sdcountryCode"]  # all or none with sdFirstName, sdLastName
    with pytest.raises(paygate.ValidationError) as info:
        builder(op)(**kwargs)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, paygate.PaygateError)
    assert err.message_id == "alipayplus.payment.request"
    assert sorted((i.key, i.rule) for i in err.issues) == [
        ("Amount", "charset"),
        ("Currency", "length"),
        ("MerchantID", "length"),
        ("OrderDesc", "forbidden"),
        ("osType", "condition"),
        ("sdcountryCode", "condition"),
    ]
    text = str(err)
    assert text.startswith("alipayplus.payment.request: 6 problems")
    for issue in err.issues:
        assert issue.message("en") in text


def test_builder_refuses_a_wrong_type_for_a_typed_argument() -> None:
    op = SPEC.operation("alipayplus.reverse")
    kwargs = builder_kwargs(op)
    kwargs["Amount"] = "100"  # the builder takes an int in the smallest unit
    kwargs["TransID"] = 7
    with pytest.raises(paygate.ValidationError) as info:
        builder(op)(**kwargs)
    assert sorted((i.key, i.rule) for i in info.value.issues) == [("TransID", "type")]


# --- to_minor_units ------------------------------------------------------------------


def exponent(code: str) -> int:
    import iso4217

    found = next(c.exponent for c in iso4217.Currency if c.code == code)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("12.34"), "EUR", 1234),
        ("12.3", "EUR", 1230),
        (12, "EUR", 1200),
        ("0", "EUR", 0),
        ("1000", "JPY", 1000),
        (Decimal("1000"), "JPY", 1000),
        ("1.234", "KWD", 1234),
        (Decimal("0.001"), "KWD", 1),
        ("12.340", "EUR", 1234),  # a trailing zero is no extra decimal
    ],
)
def test_to_minor_units(amount: Decimal | int | str, currency: str, minor: int) -> None:
    assert exponent(currency) in (0, 2, 3)
    assert paygate.to_minor_units(amount, currency) == minor
    assert minor == Decimal(str(amount)) * 10 ** exponent(currency)


@pytest.mark.parametrize(
    ("amount", "currency", "issues"),
    [
        (12.34, "EUR", [("Amount", "type")]),  # floats cannot hold 12.34
        (True, "EUR", [("Amount", "type")]),
        ("-1", "EUR", [("Amount", "format")]),
        (Decimal("-0.01"), "EUR", [("Amount", "format")]),
        ("12.345", "EUR", [("Amount", "format")]),
        ("10.5", "JPY", [("Amount", "format")]),
        ("1.2345", "KWD", [("Amount", "format")]),
        ("NaN", "EUR", [("Amount", "format")]),
        ("Infinity", "EUR", [("Amount", "format")]),
        ("12,34", "EUR", [("Amount", "format")]),
        ("1", "ABC", [("Currency", "enum")]),
        ("1", "eur", [("Currency", "enum")]),
        ("1", "XAU", [("Currency", "enum")]),  # gold: no minor units
        (-1.5, "XAU", [("Amount", "type"), ("Currency", "enum")]),
    ],
)
def test_to_minor_units_refuses(
    amount: object, currency: str, issues: list[tuple[str, str]]
) -> None:
    with pytest.raises(paygate.ValidationError) as info:
        paygate.to_minor_units(amount, currency)  # type: ignore[arg-type]
    assert sorted((i.key, i.rule) for i in info.value.issues) == issues


def test_currencies_without_minor_units_come_from_iso4217() -> None:
    import iso4217

    none = [c.code for c in iso4217.Currency if c.exponent is None]
    assert "XAU" in none
    known = iso_set("iso4217")
    assert known is not None
    for code in none:
        assert code in known  # a valid Currency, just not for amounts with minor units
        with pytest.raises(paygate.ValidationError):
            paygate.to_minor_units("1", code)


# --- result parsers and Code ---------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.id)
def test_parser_types_the_result(op: Operation) -> None:
    msg = op.result
    parse = paygate.PARSERS[msg.id]
    status = msg.parameter("Status")
    assert status is not None
    for value in status.value_names:
        params = {k: str(v) for k, v in full_params(SPEC, msg).items()}
        params["Status"] = value
        params["Code"] = SPEC.codes.success
        result = parse(params)
        assert type(result).__name__ == class_name(op)
        assert result.Status is paygate.Status(value)
        assert isinstance(result.Status, paygate.Status)
        assert result.ok
        assert result.code_info.ok
    params["Code"] = "20140123"
    assert not parse(params).ok
    with pytest.raises(paygate.ValidationError) as info:
        parse({**params, "Status": "MAYBE"})
    assert [(i.key, i.rule) for i in info.value.issues] == [("Status", "enum")]


def test_status_enum_has_every_documented_value() -> None:
    values = {v for m in SPEC.messages() for p in m.parameters if p.status for v in p.value_names}
    assert {s.value for s in paygate.Status} == values
    assert all(s.name == s.value for s in paygate.Status)


@pytest.mark.parametrize("severity", [k for k, _ in SPEC.codes.severities])
def test_code_decoded_in_both_languages(severity: str) -> None:
    severities = dict(SPEC.codes.severities)
    for module, text in SPEC.codes.modules:
        info = paygate.decode_code(f"{severity}{module}0042")
        assert (info.severity, info.module, info.parameter) == (severity, module, "0042")
        assert (info.severity_en, info.severity_de) == (
            severities[severity].en,
            severities[severity].de,
        )
        assert (info.module_en, info.module_de) == (text.en, text.de)
        assert info.text("en") == f"{info.code}: {info.severity_en}; {text.en}; parameter 0042"
        assert info.text("de") == f"{info.code}: {info.severity_de}; {text.de}; Parameter 0042"


def test_code_with_an_unnamed_module_and_malformed_codes() -> None:
    info = paygate.decode_code("2A0B0001")
    other = SPEC.codes.other_module
    assert (info.module_en, info.module_de) == (
        other.en.format(module="A0B"),
        other.de.format(module="A0B"),
    )
    assert paygate.decode_code(SPEC.codes.success).ok
    for bad in ("", "2206014", "22060141X", "2206 14H", "22060ä4H"):
        info = paygate.decode_code(bad)
        assert info.severity == "?" and not info.ok
        assert info.severity_en == "malformed code"
