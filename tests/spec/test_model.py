"""The real spec, loaded into the model, says what the vendor page and the reference say.

Expected values are read off the vendor page export
(tests/fixtures/vendor/alipayplus-page.txt, the newer version where it shows two)
and shared/reference/computop-paygate.md, not copied from the loader's output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

import pytest
from spec_helpers import SPEC, line_of

from generator.spec.loader import load_spec
from generator.spec.model import Format, Heading, Parameter, Place, Spec

A = "alipayplus.yaml"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


# --- Operations ----------------------------------------------------------------------------


def test_four_operations_with_endpoints_and_transports(spec: Spec) -> None:
    got = [(op.id, op.endpoint, op.transport) for op in spec.operations]
    assert got == [
        ("alipayplus.payment", "alipayplus.aspx", "browser-form"),
        ("alipayplus.reverse", "reverse.aspx", "server-to-server"),
        ("alipayplus.credit", "credit.aspx", "server-to-server"),
        ("alipayplus.inquire", "inquire.aspx", "server-to-server"),
    ]
    assert [op.name for op in spec.operations] == ["payment", "reverse", "credit", "inquire"]
    (method,) = spec.methods
    assert method.name == "alipayplus"
    assert method.base_url == "https://www.computop-paygate.com/"


def test_sections_are_the_page_headings(spec: Spec) -> None:
    assert [op.section for op in spec.operations] == [
        "Calling the interface for an Alipay+ Cashier payment",
        "Reversal",
        "Credit with Reference",
        "Status request for Alipay+",
    ]


def test_operation_and_message_lookup(spec: Spec) -> None:
    assert spec.operation("alipayplus.credit").endpoint == "credit.aspx"
    assert spec.message("alipayplus.inquire.result").role == "result"
    assert [m.id for m in spec.messages()] == [
        f"alipayplus.{op}.{role}"
        for op in ("payment", "reverse", "credit", "inquire")
        for role in ("request", "result")
    ]
    with pytest.raises(KeyError):
        spec.operation("alipayplus.capture")
    with pytest.raises(KeyError):
        spec.message("alipayplus.payment.notify")


# --- Row order: includes (by their include name) and explicit rows (by key) as on the page --

HEAD = "# Shipping address"

PAGE_ORDER = {
    "alipayplus.payment.request": [
        "MerchantID", "TransID", "RefNr", "Amount", "Currency", "CountryCode", "MAC",
        "OrderDesc", "URLSuccess", "URLFailure", "Response", "URLNotify", "UserData",
        "ReqId-ans..32", "CustomerID", "terminalType", "osType", "FxCurrency", HEAD,
        "sdFirstName", "sdLastName", "sdcountryCode", "sdState", "sdCity", "sdStreet",
        "sdStreet2", "sdZip", "Plain", "Custom",
    ],
    "alipayplus.payment.result": [
        "MID", "PayID", "XID", "TransID", "RefNr", "Status_OK_AUTHORIZE_REQUEST",
        "Description", "Code", "MAC", "UserData", "Plain", "Custom",
    ],
    "alipayplus.reverse.request": [
        "MerchantID", "PayID_Reverse", "TransID", "RefNr", "Amount", "Currency", "MAC",
        "UserData", "ReqId-ans..32",
    ],
    "alipayplus.reverse.result": [
        "MID", "PayID", "XID", "TransID", "Status_OK_FAILED", "Description", "Code",
        "UserData", "RefNr", "ErrorText",
    ],
    "alipayplus.credit.request": [
        "MerchantID", "PayID_Credit", "TransID", "RefNr", "Amount", "Currency", "Reason",
        "MAC", "UserData", "ReqId-ans..32",
    ],
    "alipayplus.credit.result": [
        "MID", "PayID", "XID", "TransID", "Status_OK_FAILED", "Description", "Code",
        "UserData", "RefNr", "ErrorText",
    ],
    "alipayplus.inquire.request": ["MerchantID", "PayID", "MAC"],
    "alipayplus.inquire.result": [
        "MID", "PayID", "XID", "TransID", "Status", "Description", "Code", "UserData",
        "RefNr", "ErrorText",
    ],
}  # fmt: skip

# Rows written out on the page (not includes).
EXPLICIT = {
    "CountryCode", "OrderDesc", "CustomerID", "terminalType", "osType", "FxCurrency",
    "sdFirstName", "sdLastName", "sdcountryCode", "sdState", "sdCity", "sdStreet",
    "sdStreet2", "sdZip", "ErrorText", "Reason", "Status",
}  # fmt: skip


def _label(entry: Parameter | Heading) -> str:
    if isinstance(entry, Heading):
        return f"# {entry.text.en}"
    return entry.include if entry.include is not None else entry.key


@pytest.mark.parametrize("message_id", sorted(PAGE_ORDER))
def test_row_order_is_the_page_order(spec: Spec, message_id: str) -> None:
    msg = spec.message(message_id)
    assert [_label(e) for e in msg.entries] == PAGE_ORDER[message_id]
    for e in msg.parameters:
        # A row is an include exactly when the page shows an include macro there.
        assert (e.include is None) == (_label(e) in EXPLICIT), e.key


def test_headings_are_bilingual(spec: Spec) -> None:
    payment = spec.message("alipayplus.payment.request")
    (heading,) = [e for e in payment.entries if isinstance(e, Heading)]
    assert (heading.text.en, heading.text.de) == ("Shipping address", "Lieferadresse")


def test_wire_keys_of_results(spec: Spec) -> None:
    """Includes resolve to the vendor's key: MID is sent as mid, PayID_Reverse as PayID."""
    result = spec.message("alipayplus.payment.result")
    assert [p.key for p in result.parameters] == [
        "mid", "PayID", "XID", "TransID", "RefNr", "Status", "Description", "Code", "MAC",
        "UserData", "Plain", "Custom",
    ]  # fmt: skip
    reverse = spec.message("alipayplus.reverse.request")
    assert [p.key for p in reverse.parameters][:2] == ["MerchantID", "PayID"]


def test_results_match_keys_case_insensitively_requests_do_not(spec: Spec) -> None:
    result = spec.message("alipayplus.payment.result")
    assert result.case_insensitive and not result.strict
    for asked in ("mid", "MID", "Mid"):
        found = result.parameter(asked)
        assert found is not None and found.key == "mid"
    request = spec.message("alipayplus.payment.request")
    assert request.strict and not request.case_insensitive
    assert request.parameter("MerchantID") is not None
    assert request.parameter("merchantid") is None


def test_included_rows_know_both_places(spec: Spec) -> None:
    """An included row points at its include line and at its shared definition."""
    reverse = spec.message("alipayplus.reverse.request")
    payid = reverse.parameter("PayID")
    assert payid is not None and payid.include == "PayID_Reverse"
    assert payid.place.file == "shared.yaml"
    assert payid.place.line == line_of(SPEC / "shared.yaml", "PayID_Reverse:")
    assert payid.included_at is not None and payid.row_place == payid.included_at
    assert payid.included_at.file == A
    lines = (SPEC / A).read_text(encoding="utf-8").split("\n")
    assert lines[payid.included_at.line - 1].strip() == "- include: PayID_Reverse"
    # Apart from its place the row is the shared definition.
    assert dataclasses.replace(payid, included_at=None) == spec.shared("PayID_Reverse")
    explicit = spec.message("alipayplus.credit.request").parameter("Reason")
    assert explicit is not None and explicit.included_at is None
    assert explicit.row_place == explicit.place == Place(A, line_of(SPEC / A, "- key: Reason"), 11)


# --- MAC -----------------------------------------------------------------------------------


def test_mac_strings(spec: Spec) -> None:
    # Reference §4: requests over PayID*TransID*MerchantID*Amount*Currency, an absent
    # value as an empty field; results over PayID*TransID*MerchantID*Status*Code, with
    # MerchantID taken from mid.
    requests = {
        "payment": "*TransID*MerchantID*Amount*Currency",
        "reverse": "PayID*TransID*MerchantID*Amount*Currency",
        "credit": "PayID*TransID*MerchantID*Amount*Currency",
        "inquire": "PayID**MerchantID**",
    }
    for op in spec.operations:
        assert op.request.mac_string == requests[op.name]
        assert op.result.mac_string == "PayID*TransID*mid*Status*Code"
        assert len(op.request.mac) == len(op.result.mac) == 5
    assert spec.message("alipayplus.payment.request").mac[0] is None
    assert spec.message("alipayplus.inquire.request").mac == (
        "PayID",
        None,
        "MerchantID",
        None,
        None,
    )


def test_mac_place_is_the_mac_line(spec: Spec) -> None:
    msg = spec.message("alipayplus.payment.request")
    assert msg.mac_place is not None
    assert msg.mac_place.line == line_of(SPEC / A, 'mac: "*TransID*MerchantID*Amount*Currency"')


# --- Rules, defaults, forbidden characters ------------------------------------------------


def test_ostype_required_for_mobile_terminals(spec: Spec) -> None:
    msg = spec.message("alipayplus.payment.request")
    rules = [r for r in msg.rules if r.keys == ("osType",)]
    assert len(rules) == 1
    (rule,) = rules
    assert rule.kind == "required-if"
    assert rule.when_key == "terminalType"
    assert set(rule.when_in) == {"WAP", "APP", "MINI_APP"}


def test_shipping_name_all_or_none(spec: Spec) -> None:
    msg = spec.message("alipayplus.payment.request")
    rules = [r for r in msg.rules if r.kind == "all-or-none"]
    assert [set(r.keys) for r in rules] == [{"sdFirstName", "sdLastName", "sdcountryCode"}]
    for key in ("sdFirstName", "sdLastName", "sdcountryCode"):
        p = msg.parameter(key)
        assert p is not None and p.cnd == "C"  # newer version: O became C


def test_every_conditional_row_has_a_rule_or_default(spec: Spec) -> None:
    for msg in spec.messages():
        covered = {k for r in msg.rules for k in r.keys}
        for p in msg.parameters:
            if p.cnd == "C":
                assert p.key in covered or p.default is not None, (msg.id, p.key)


def test_terminal_type_default_and_values(spec: Spec) -> None:
    p = spec.message("alipayplus.payment.request").parameter("terminalType")
    assert p is not None
    assert p.default == "WEB"
    assert p.value_names == ("WEB", "WAP", "APP", "MINI_APP")
    assert p.cnd == "C" and p.format == Format.parse("ans..8")
    for v in p.values:
        assert v.text.en and v.text.de


def test_orderdesc_forbids_the_characters_the_page_names(spec: Spec) -> None:
    p = spec.message("alipayplus.payment.request").parameter("OrderDesc")
    assert p is not None
    assert set(p.forbidden) == {"#", "&", "%", "+"}
    assert len(p.forbidden) == 4
    for c in p.forbidden:
        assert f"“{c}”" in p.description.en and f"„{c}“" in p.description.de


def test_os_type_values(spec: Spec) -> None:
    p = spec.message("alipayplus.payment.request").parameter("osType")
    assert p is not None and p.value_names == ("IOS", "ANDROID")


# --- Texts and provenance ------------------------------------------------------------------


def _all_parameters(spec: Spec) -> list[Parameter]:
    return [p for _, p in spec.library] + [p for m in spec.messages() for p in m.parameters]


def test_every_parameter_has_en_and_de_text_and_provenance(spec: Spec) -> None:
    params = _all_parameters(spec)
    assert len(params) > 80
    for p in params:
        assert p.description.en.strip() and p.description.de.strip(), p.key
        assert p.provenance.source.strip(), p.key
        assert p.provenance.de in {"vendor", "translation"}, p.key


def test_texts_the_vendor_did_not_publish_in_german_are_marked_as_translation(
    spec: Spec,
) -> None:
    # Reference §3: no German vendor text was found for these.
    for name in ("RefNr", "URLSuccess", "URLFailure", "Response"):
        p = spec.shared(name)
        assert p is not None and p.provenance.de == "translation", name
    for name in ("MerchantID", "Amount", "Currency", "URLNotify", "UserData"):
        p = spec.shared(name)
        assert p is not None and p.provenance.de == "vendor", name
    for msg in spec.messages():
        # German captions are not in the export.
        assert msg.caption.en and msg.caption.de
        assert msg.caption_provenance.de == "translation", msg.id


def test_shared_definitions_from_the_reference(spec: Spec) -> None:
    """Format and CND of the included rows (reference §3)."""
    expected = {
        "MerchantID": ("MerchantID", "ans..30", "M"),
        "TransID": ("TransID", "ans..64", "M"),
        "RefNr": ("RefNr", "ans..30", "O"),
        "Amount": ("Amount", "n..10", "M"),
        "Currency": ("Currency", "a3", "M"),
        "MAC": ("MAC", "an64", "M"),
        "URLSuccess": ("URLSuccess", "ans..256", "M"),
        "URLFailure": ("URLFailure", "ans..256", "M"),
        "URLNotify": ("URLNotify", "ans..256", "M"),
        "Response": ("Response", "a7", "O"),
        "UserData": ("UserData", "ans..1024", "O"),
        "ReqId-ans..32": ("ReqId", "ans..32", "O"),
        "Plain": ("Plain", "ans..50", "O"),
        "Custom": ("Custom", "ans..1024", "O"),
        "PayID_Reverse": ("PayID", "an32", "M"),
        "PayID_Credit": ("PayID", "an32", "M"),
        "MID": ("mid", "ans..30", "M"),
        "PayID": ("PayID", "an32", "M"),
        "XID": ("XID", "an32", "M"),
        "Status_OK_AUTHORIZE_REQUEST": ("Status", "a..50", "M"),
        "Status_OK_FAILED": ("Status", "a..50", "M"),
        "Description": ("Description", "ans..1024", "M"),
        "Code": ("Code", "n8", "M"),
    }
    got = {name: (p.key, p.format.raw, p.cnd) for name, p in spec.library}
    assert got == expected
    response = spec.shared("Response")
    assert response is not None and response.value_names == ("encrypt",)
    status = spec.shared("Status_OK_AUTHORIZE_REQUEST")
    assert status is not None
    assert set(status.value_names) == {"OK", "AUTHORIZE_REQUEST", "FAILED"}
    ok_failed = spec.shared("Status_OK_FAILED")
    assert ok_failed is not None and set(ok_failed.value_names) == {"OK", "FAILED"}


def test_marker_flags(spec: Spec) -> None:
    def flagged(flag: str) -> set[str]:
        return {p.key for p in _all_parameters(spec) if getattr(p, flag)}

    assert flagged("amount") == {"Amount"}
    assert flagged("idempotency") == {"ReqId"}
    assert flagged("status") == {"Status"}
    assert flagged("code") == {"Code"}
    assert {p.key for p in _all_parameters(spec) if p.computed == "mac"} == {"MAC"}
    checks = {(p.key, p.check) for p in _all_parameters(spec) if p.check}
    assert checks == {
        ("Currency", "iso4217"),
        ("FxCurrency", "iso4217"),
        ("CountryCode", "iso3166-alpha2"),
        ("sdcountryCode", "iso3166-alpha2"),
    }


# --- Errata --------------------------------------------------------------------------------


def _cited(spec: Spec, message_id: str | None, key: str) -> dict[str, str]:
    """Errata cited by a row: {erratum ID: vendor text in English}."""
    p = spec.shared(key) if message_id is None else spec.message(message_id).parameter(key)
    assert p is not None, key
    out = {}
    for eid in p.errata:
        e = spec.erratum(eid)
        assert e is not None, eid
        out[eid] = e.vendor.en
    return out


def test_every_erratum_of_the_reference_is_recorded(spec: Spec) -> None:
    payment = "alipayplus.payment.request"

    ostype = _cited(spec, payment, "osType")
    assert any("ANDROID" in t and "7" in t for t in ostype.values()), ostype
    assert any("Device" in t and "terminalType" in t for t in ostype.values()), ostype

    sdzip = _cited(spec, payment, "sdZip")
    assert any("ans32" in t for t in sdzip.values()), sdzip

    code = _cited(spec, None, "Code")
    assert any("n8" in t and "A4" in t for t in code.values()), code

    fx = _cited(spec, payment, "FxCurrency")
    assert any("three digits" in t.lower() for t in fx.values()), fx

    status = _cited(spec, None, "Status_OK_AUTHORIZE_REQUEST")
    assert any("AUTHORIZE_REQUEST" in t and "a..50" in t for t in status.values()), status
    assert _cited(spec, "alipayplus.inquire.result", "Status") == status

    assert len(spec.errata) == 6
    for e in spec.errata:
        assert e.vendor.en and e.vendor.de and e.decision.en and e.decision.de, e.id
        assert e.place.file in {A, "shared.yaml"}


def test_errata_decisions_are_what_is_enforced(spec: Spec) -> None:
    payment = spec.message("alipayplus.payment.request")
    ostype = payment.parameter("osType")
    assert ostype is not None
    assert (ostype.format.raw, ostype.enforced.raw) == ("ans..6", "ans..7")
    sdzip = payment.parameter("sdZip")
    assert sdzip is not None
    assert sdzip.format == Format("ans32", "ans", 32, False)
    assert sdzip.enforced == Format("ans..32", "ans", 32, True)
    code = spec.shared("Code")
    assert code is not None and code.format.raw == "n8" and code.pattern is not None
    for sample in ("00000000", "22060203", "2206014H", "22720040"):
        assert re.fullmatch(code.pattern, sample), sample
    for bad in ("2206014h", "2206014", "220601400"):
        assert not re.fullmatch(code.pattern, bad), bad
    status = spec.shared("Status_OK_AUTHORIZE_REQUEST")
    assert status is not None and status.enforced.raw == "as..50"
    fx = payment.parameter("FxCurrency")
    assert fx is not None and fx.format.raw == fx.enforced.raw == "a3"


# --- Legend, codes, sources ----------------------------------------------------------------


def test_formats_parse() -> None:
    assert Format.parse("ans..32") == Format("ans..32", "ans", 32, True)
    assert Format.parse("a3") == Format("a3", "a", 3, False)
    assert Format.parse("n..10") == Format("n..10", "n", 10, True)
    assert Format.parse("bool") == Format("bool", "bool")
    assert Format.parse("dttm") == Format("dttm", "dttm")
    for bad in ("ans..", "ans", "x3", "ans..3x", "..3", ""):
        assert Format.parse(bad) is None, bad
    f = Format.parse("an32")
    assert f is not None and (f.min_length, f.max_length) == (32, 32)
    v = Format.parse("ans..64")
    assert v is not None and (v.min_length, v.max_length) == (1, 64)


def test_legend_character_classes(spec: Spec) -> None:
    legend = spec.legend
    assert legend.char_class("a") == "[A-Za-z]"
    assert legend.char_class("n") == "[0-9]"
    assert legend.char_class("an") == "[A-Za-z0-9]"

    def fits(kind: str, value: str) -> bool:
        return re.fullmatch(legend.char_class(kind) + "*", value) is not None

    assert fits("ans", "Größe 3 #1 中")
    assert not fits("ans", "a&b")  # '&' separates the pairs inside Data
    assert not fits("ans", "tab\there")  # control characters are never allowed
    assert fits("as", "AUTHORIZE_REQUEST") and not fits("as", "R2")
    assert fits("ns", "+49 (0) 30") and not fits("ns", "ab")
    for kind in ("bool", "dttm", "enum", "xyz"):
        with pytest.raises(KeyError):
            legend.char_class(kind)
    assert {k for k, _ in legend.cnd} == {"M", "O", "C"}
    assert legend.cnd_text("M").de.startswith("Pflicht")
    assert dict(legend.wording)["Helpdesk-Name"].en == "Computop Helpdesk"


def test_codes(spec: Spec) -> None:
    assert spec.codes.success == "00000000"
    assert {k for k, _ in spec.codes.severities} == {"0", "2", "4", "6", "7"}
    modules = dict(spec.codes.modules)
    assert modules["010"].en == "parameter is missing"
    assert "{module}" in spec.codes.other_module.en and "{module}" in spec.codes.other_module.de


def test_sources_hash_every_file(spec: Spec) -> None:
    files = sorted(p.name for p in SPEC.glob("*.yaml"))
    assert [name for name, _ in spec.sources] == files
    for name, sha in spec.sources:
        assert sha == hashlib.sha256((SPEC / name).read_bytes()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{16}", spec.digest)
    assert load_spec(SPEC).digest == spec.digest


# --- Immutability --------------------------------------------------------------------------


def test_the_model_is_frozen(spec: Spec) -> None:
    op = spec.operations[0]
    param = op.request.parameters[0]
    targets = [
        (spec, "methods", ()),
        (op, "endpoint", "evil.aspx"),
        (op.request, "mac", ()),
        (param, "key", "Other"),
        (param.format, "length", 1),
        (param.description, "en", "changed"),
        (param.place, "line", 1),
        (op.request.rules[0], "keys", ()),
        (spec.errata[0], "id", "x"),
        (spec.legend, "wording", ()),
        (spec.codes, "success", "x"),
    ]
    for obj, name, value in targets:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, value)
    # Collections are tuples: nothing to append to or assign into.
    for seq in (spec.methods, op.request.entries, op.request.mac, spec.library, param.values):
        assert isinstance(seq, tuple)
    with pytest.raises(TypeError):
        op.request.entries[0] = op.request.entries[1]  # type: ignore[index]
    # The model is hashable, so it can be cached and shared.
    assert hash(op.request) == hash(load_spec(SPEC).operations[0].request)
