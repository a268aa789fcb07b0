"""Tests of generator/pages/parse.py, the parser for the Confluence text export of the vendor page.

The seed export is tests/fixtures/vendor/alipayplus-page.txt (a copy of the vendor page), a
"Versions Compared" view in which old and new text are interleaved. Expected values below are
what the page visibly says.
"""

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.pages.model import Change, Heading, Include, Page, PageError, Row, Table
from generator.pages.parse import parse_page
from generator.pages.text import split_cnd, split_en_de, split_endpoint

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "fixtures" / "vendor" / "alipayplus-page.txt"


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(seed_text: str) -> Page:
    return parse_page(seed_text, source=str(SEED))


def line_of(text: str, start: str) -> int:
    """1-based number of the only line of ``text`` that starts with ``start``."""
    hits = [n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start)]
    assert len(hits) == 1, (start, hits)
    return hits[0]


def txt(text: str | None) -> str:
    """A text the seed's two-language tables always carry."""
    assert text is not None
    return text


def table(page: Page, excerpt: str) -> Table:
    (found,) = [t for s in page.sections for t in s.tables if t.excerpt == excerpt]
    return found


def rows(t: Table) -> dict[str, Row]:
    return {e.key: e for e in t.entries if isinstance(e, Row)}


# --- The seed export ------------------------------------------------------------------------


def test_seed_sections_and_endpoints(page: Page) -> None:
    assert page.source == str(SEED)
    assert [(s.title, s.endpoint) for s in page.sections] == [
        ("Calling the interface for an Alipay+ Cashier payment", "alipayplus.aspx"),
        ("Reversal", "reverse.aspx"),
        ("Credit with Reference", "credit.aspx"),
        ("Status request for Alipay+", "inquire.aspx"),
    ]
    # "alipayalipayplus.aspx" interleaves the old and the new endpoint.
    assert page.sections[0].endpoint_change == Change("endpoint", "alipay.aspx", "alipayplus.aspx")
    assert [s.endpoint_change for s in page.sections[1:]] == [None, None, None]


def test_seed_section_lines(page: Page, seed_text: str) -> None:
    lines = seed_text.split("\n")
    # Each section's line is its title line; the endpoint follows further down.
    for section in page.sections:
        assert lines[section.line - 1].strip() == section.title
    assert page.sections[0].line == line_of(seed_text, "Calling the interface for an")


def test_seed_tables(page: Page) -> None:
    got = [(t.excerpt, t.caption) for s in page.sections for t in s.tables]
    assert got == [
        ("alipay_request", "Parameters for payments with Alipay+ Cashier Payment"),
        (
            "alipay_response",
            "Result parameters for URLNotify, URLSuccess and URLFailure in case of "
            "Alipay+ Cashier Payment",
        ),
        ("reverse_request", "Parameters for reversal of Alipay+ Cashier Payment"),
        ("reverse_response", "Response parameters for reversal of Alipay+ Cashier Payment"),
        ("credit_request", "Parameters for credits of Alipay+ payments"),
        ("credit_response", "Result parameters for credits of Alipay+ payments"),
        ("status_request", "Parameters for status requests of Alipay+ Cashier Payment"),
        (
            "status_response",
            "Response parameters for status requests of Alipay+ Cashier Payment",
        ),
    ]
    assert [len(s.tables) for s in page.sections] == [2, 2, 2, 2]


def test_seed_parses_without_warnings(page: Page) -> None:
    assert page.warnings == ()


def test_seed_payment_request_order(page: Page, seed_text: str) -> None:
    entries = table(page, "alipay_request").entries
    # The include's line is the "Table Excerpt Include" line, two above its first name line.
    first_name_line = seed_text.split("\n").index("nameMerchantID") + 1
    assert entries[0] == Include("MerchantID", "MerchantID", first_name_line - 2)
    assert isinstance(entries[-1], Include) and entries[-1].name == "Custom"

    def label(e: Include | Heading | Row) -> str:
        if isinstance(e, Include):
            return "include:" + e.name
        if isinstance(e, Heading):
            return "heading:" + e.en
        return "row:" + e.key

    assert [label(e) for e in entries] == [
        "include:MerchantID",
        "include:TransID",
        "include:RefNr",
        "include:Amount",
        "include:Currency",
        "row:CountryCode",
        "include:MAC",
        "row:OrderDesc",
        "include:URLSuccess",
        "include:URLFailure",
        "include:Response",
        "include:URLNotify",
        "include:UserData",
        "include:ReqId-ans..32",
        "row:CustomerID",
        "row:terminalType",
        "row:osType",
        "row:FxCurrency",
        "heading:Shipping address",
        "row:sdFirstName",
        "row:sdLastName",
        "row:sdcountryCode",
        "row:sdState",
        "row:sdCity",
        "row:sdStreet",
        "row:sdStreet2",
        "row:sdZip",
        "include:Plain",
        "include:Custom",
    ]
    refnr = entries[2]
    assert isinstance(refnr, Include) and refnr.page == "refnr"


def test_seed_squashed_rows(page: Page, seed_text: str) -> None:
    r = rows(table(page, "alipay_request"))
    assert r["CustomerID"] == Row(
        "CustomerID",
        "ans..64",
        "O",
        "Unique customer number",
        "Eindeutige Kundennummer",
        line_of(seed_text, "CustomerIDans..64"),
    )
    assert (r["sdZip"].format, r["sdZip"].cnd) == ("ans32", "O")
    assert (r["sdZip"].en, r["sdZip"].de) == ("ZIP or postal code", "Postleitzahl")
    assert (r["FxCurrency"].format, r["FxCurrency"].cnd) == ("a3", "M")
    assert r["FxCurrency"].de == "Abrechnungswährung. Drei Zeichen DIN / ISO 4217."
    # "OCity": the C starts the text, it is not a second CND letter.
    assert (r["sdCity"].cnd, r["sdCity"].en) == ("O", "City, district, suburb, town or village")
    assert r["sdState"].de == "Staat, Land oder Provinz"
    assert r["sdStreet2"].en == "Address line 2 (such as apartment, suite, unit or building)"
    assert r["sdStreet2"].de == "Adresszeile 2 (z. B. Wohnung, Suite, Einheit oder Gebäude)"
    # "MINI-APPOptionen": the EN cell ends with an acronym.
    assert txt(r["osType"].en).endswith("Device is Mobile, APP or MINI-APP")
    assert txt(r["osType"].de).startswith("Optionen: IOS, ANDROID")
    for key in ("CustomerID", "osType", "FxCurrency", "sdState", "sdCity", "sdZip"):
        assert not r[key].ambiguous and r[key].changes == (), key


def test_seed_shipping_heading(page: Page, seed_text: str) -> None:
    headings = [e for e in table(page, "alipay_request").entries if isinstance(e, Heading)]
    assert headings == [
        Heading("Shipping address", "Lieferadresse", line_of(seed_text, "Shipping address"))
    ]


def test_seed_renamed_device_row(page: Page) -> None:
    row = rows(table(page, "alipay_request"))["terminalType"]
    assert Change("key", "Device", "terminalType") in row.changes
    assert row.format == "ans..8"
    # The page prints "ans..8COptions": one CND letter only, so no CND change is claimed.
    assert row.cnd == "C"
    assert [c.field for c in row.changes] == ["key"]
    # "DesktopWEB,, MobileWAP" interleaves old and new option lists: kept, and flagged.
    assert row.ambiguous
    assert "DesktopWEB,, MobileWAP" in txt(row.en) and "DesktopWEB,, MobileWAP" in txt(row.de)
    assert "doubled comma" in row.note
    assert txt(row.en).endswith("when this parameter is not sent.")
    assert txt(row.de).startswith("Optionen:")


@pytest.mark.parametrize("key", ["sdFirstName", "sdLastName", "sdcountryCode"])
def test_seed_shipping_cnd_changes(page: Page, key: str) -> None:
    row = rows(table(page, "alipay_request"))[key]
    assert Change("cnd", "O", "C") in row.changes
    assert row.cnd == "C"
    assert row.format == "ans..128" if key != "sdcountryCode" else row.format == "ans..2"
    # The texts may interleave versions; they are kept and the row says so.
    assert row.ambiguous and row.note


def test_seed_last_name_versions(page: Page) -> None:
    row = rows(table(page, "alipay_request"))["sdLastName"]
    # "OLast nameCLast name, if present ...": old CND and old EN text, then new CND and text.
    assert (
        Change(
            "en",
            "Last name",
            "Last name, if present sdFirstName & sdcountryCode are also mandatory",
        )
        in row.changes
    )
    assert row.en == "Last name, if present sdFirstName & sdcountryCode are also mandatory"
    assert txt(row.de).startswith("Nachname, falls vorhanden")
    # The trailing old "Nachname" cannot be told apart cleanly: it stays, and the note says so.
    assert txt(row.de).endswith("obligatorischNachname")
    assert "EN/DE boundaries" in row.note


def test_seed_first_name_text(page: Page) -> None:
    row = rows(table(page, "alipay_request"))["sdFirstName"]
    # sdLastName and sdcountryCode are quoted in both languages, so they are no boundary.
    assert row.en == "First name, if present sdLastName & sdcountryCode are also mandatory"
    assert row.de == "Vorname, falls vorhanden, sind auch sdLastName & sdcountryCode obligatorisch"


def test_seed_explicit_rows(page: Page, seed_text: str) -> None:
    country = rows(table(page, "alipay_request"))["CountryCode"]
    assert (country.format, country.cnd) == ("ans..2", "C")
    assert txt(country.en).startswith("ISO 3166 country/region code.")
    assert txt(country.de).startswith("Länder-/Regionscode gemäß ISO 3166.")
    assert country.line == line_of(seed_text, "CountryCode")
    reason = rows(table(page, "credit_request"))["Reason"]
    assert (reason.en, reason.de) == ("Reason for the refund", "Grund für die Gutschrift")
    status = rows(table(page, "status_response"))["Status"]
    assert (status.format, status.cnd) == ("a..50", "M")


@pytest.mark.parametrize("excerpt", ["reverse_response", "credit_response", "status_response"])
def test_seed_error_text_placeholder(page: Page, excerpt: str) -> None:
    row = rows(table(page, excerpt))["ErrorText"]
    assert (row.format, row.cnd) == ("ans..48", "O")
    assert row.en == (
        "Error text from the downstream system, only when its response is discussed with "
        "{{Helpdesk-Name}} (configured in MAT)."
    )
    assert row.de == (
        "Fehlertext vom nachgelagerten System, nur wenn dessen Antwort mit "
        "{{Helpdesk-Name}} abgesprochen ist (in MAT konfiguriert)."
    )
    assert not row.ambiguous


def test_seed_includes_have_page_lines(page: Page, seed_text: str) -> None:
    lines = seed_text.split("\n")
    for s in page.sections:
        for t in s.tables:
            assert lines[t.line - 1] == "Table Filter"
            for e in t.entries:
                if isinstance(e, Include):
                    assert lines[e.line - 1] == "Table Excerpt Include"
                    assert lines[e.line + 1] == "name" + e.name


# --- Helpers on synthetic text --------------------------------------------------------------


EN_DE_CASES = [
    ("Unique customer number", "Eindeutige Kundennummer"),
    ("State, country or province", "Staat, Land oder Provinz"),
    ("ZIP or postal code", "Postleitzahl"),
    ("Currency. ISO 4217.", "Währung. ISO 4217."),
    ("Line 2 (e.g. suite)", "Zeile 2 (z. B. Suite)"),
    ("Options: APP, WAP", "Optionen: APP, WAP"),  # the EN cell ends with an acronym
]


@pytest.mark.parametrize(("en", "de"), EN_DE_CASES)
def test_split_en_de_single_boundary(en: str, de: str) -> None:
    assert split_en_de(en + de) == (en, de, False, "")


def test_split_en_de_skips_identifiers_quoted_twice() -> None:
    text = "Required if sdFirstName is setPflicht, wenn sdFirstName gesetzt ist"
    assert split_en_de(text)[:3] == (
        "Required if sdFirstName is set",
        "Pflicht, wenn sdFirstName gesetzt ist",
        False,
    )


def test_split_en_de_chooses_german_side_and_flags() -> None:
    # "URLNotify" is quoted once only, so it competes with the real boundary.
    text = (
        "Sent to URLNotify when the payment is done"
        "Wird an URL gesendet, wenn die Zahlung fertig ist"
    )
    en, de, ambiguous, note = split_en_de(text)
    assert (en, de) == (
        "Sent to URLNotify when the payment is done",
        "Wird an URL gesendet, wenn die Zahlung fertig ist",
    )
    assert ambiguous and "2 possible EN/DE boundaries" in note


def test_split_en_de_without_boundary() -> None:
    en, de, ambiguous, note = split_en_de("no boundary here at all")
    assert (en, de, ambiguous) == ("no boundary here at all", "", True)
    assert "no EN/DE boundary" in note
    assert split_en_de("") == ("", "", False, "")


@pytest.mark.parametrize(
    ("tail", "cnd", "rest", "flagged"),
    [
        ("OUnique", "O", "Unique", False),
        ("OCity, district", "O", "City, district", False),
        ("COptions: A", "C", "Options: A", False),
        ("OCFirst name", "OC", "First name", False),
        ("MOThe text", "MO", "The text", False),
        ("OCISO 3166", "O", "CISO 3166", True),
        ("M", "M", "", False),
        ("OO", "O", "O", False),
    ],
)
def test_split_cnd(tail: str, cnd: str, rest: str, flagged: bool) -> None:
    got_cnd, got_rest, note = split_cnd(tail)
    assert (got_cnd, got_rest, bool(note)) == (cnd, rest, flagged)


OLD_NEW = Change("endpoint", "alipay.aspx", "alipayplus.aspx")


@pytest.mark.parametrize(
    ("token", "endpoint", "change"),
    [
        ("alipayalipayplus.aspx", "alipayplus.aspx", OLD_NEW),
        ("alipay.aspxalipayplus.aspx", "alipayplus.aspx", OLD_NEW),
        (
            "alipayplusalipay.aspx",
            "alipay.aspx",
            Change("endpoint", "alipayplus.aspx", "alipay.aspx"),
        ),
        ("reverse.aspx", "reverse.aspx", None),
        ("inquire.aspx", "inquire.aspx", None),
    ],
)
def test_split_endpoint(token: str, endpoint: str, change: Change | None) -> None:
    assert split_endpoint(token) == (endpoint, change, "")


def test_split_endpoint_ambiguous_is_not_guessed() -> None:
    # "pay|paypay" and "paypay|pay" both read as prefix merges.
    endpoint, change, problem = split_endpoint("paypaypay.aspx")
    assert (endpoint, change) == ("paypaypay.aspx", None)
    assert "ambiguous" in problem


# --- Synthetic pages ------------------------------------------------------------------------


def synthetic_page(
    *body: str, endpoint: str = "demo.aspx", before: str = "", versions: bool = True
) -> str:
    """A one-section, one-table page whose table body is ``body`` (after a Key header).

    ``versions``: the page is a "Versions Compared" export, as the seed is.
    """
    return "\n".join(
        [
            *(["Versions Compared", ""] if versions else []),
            "Demo section",
            "",
            before,
            "Multiexcerpt include",
            "SpaceWithExcerptEN",
            "MultiExcerptNameBaseURL",
            "PageWithExcerptWording",
            endpoint,
            "",
            "Table Filter",
            "id1_2",
            "Multiexcerpt",
            "MultiExcerptNamedemo_request",
            "Table Transformer",
            "sqlSELECT * FROM T*",
            "",
            "Key",
            "",
            "Format",
            "",
            "CND",
            "",
            "Description",
            "",
            "Beschreibung",
            "",
            *body,
            "",
            "Parameters of the demo",
            "",
        ]
    )


def only_table(text: str) -> tuple[Page, Table]:
    parsed = parse_page(text)
    assert len(parsed.sections) == 1 and len(parsed.sections[0].tables) == 1
    return parsed, parsed.sections[0].tables[0]


def test_synthetic_squashed_rows_and_heading() -> None:
    text = synthetic_page(
        "Amountn..12MAmount in the smallest unitBetrag in der kleinsten Einheit",
        "Billing addressRechnungsadresse",
        "bdZipans..16OZIP codePostleitzahl",
    )
    parsed, t = only_table(text)
    assert (t.excerpt, t.caption) == ("demo_request", "Parameters of the demo")
    assert t.line == line_of(text, "Table Filter")
    amount, heading, zipcode = t.entries
    assert amount == Row(
        "Amount",
        "n..12",
        "M",
        "Amount in the smallest unit",
        "Betrag in der kleinsten Einheit",
        line_of(text, "Amountn..12"),
    )
    assert heading == Heading("Billing address", "Rechnungsadresse", line_of(text, "Billing"))
    assert isinstance(zipcode, Row) and (zipcode.key, zipcode.format) == ("bdZip", "ans..16")
    assert parsed.sections[0].title == "Demo section"
    assert parsed.sections[0].endpoint == "demo.aspx"


def test_synthetic_format_change_and_two_letter_cnd() -> None:
    _, t = only_table(synthetic_page("Modeans..8ans..16MOThe modeDer Modus"))
    (row,) = t.entries
    assert isinstance(row, Row)
    assert (row.key, row.format, row.cnd) == ("Mode", "ans..16", "O")
    assert row.changes == (Change("format", "ans..8", "ans..16"), Change("cnd", "M", "O"))
    assert row.ambiguous and "changed between versions" in row.note


def test_synthetic_key_split_needs_evidence() -> None:
    with_evidence = synthetic_page(
        "ChannelpayChannelans..8OThe channelDer Kanal",
        before="The parameter Channel was renamed.\n",
    )
    (row,) = only_table(with_evidence)[1].entries
    assert isinstance(row, Row)
    assert row.key == "payChannel"
    assert row.changes == (Change("key", "Channel", "payChannel"),)
    assert row.ambiguous  # the texts may mix versions
    # Without the word standing alone elsewhere on the page, the key is left as printed.
    (row,) = only_table(synthetic_page("ChannelpayChannelans..8OThe channelDer Kanal"))[1].entries
    assert isinstance(row, Row) and row.key == "ChannelpayChannel" and row.changes == ()


def test_synthetic_explicit_row_with_macro_cells() -> None:
    page_text = synthetic_page(
        "ErrorText",
        "",
        "ans..48",
        "",
        "OC",
        "",
        "Shown by",
        "",
        "Multiexcerpt include",
        "SpaceWithExcerptEN",
        "MultiExcerptNamePlatform-Kurz",
        "PageWithExcerptWording",
        "only.",
        "",
        "Angezeigt von",
        "",
        "Multiexcerpt include",
        "SpaceWithExcerptDE",
        "MultiExcerptNamePlatform-Kurz",
        "PageWithExcerptDE:Wording",
        "allein.",
    )
    _, t = only_table(page_text)
    (row,) = t.entries
    assert isinstance(row, Row)
    assert (row.en, row.de) == (
        "Shown by {{Platform-Kurz}} only.",
        "Angezeigt von {{Platform-Kurz}} allein.",
    )
    assert row.cnd == "C" and row.changes == (Change("cnd", "O", "C"),)
    assert t.caption == "Parameters of the demo"


def test_synthetic_ambiguous_endpoint_is_a_warning() -> None:
    parsed = parse_page(synthetic_page("Xans..2OA thingEin Ding", endpoint="paypaypay.aspx"))
    assert parsed.sections[0].endpoint == "paypaypay.aspx"
    assert parsed.sections[0].endpoint_change is None
    text = synthetic_page("Xans..2OA thingEin Ding", endpoint="paypaypay.aspx")
    at = text.split("\n").index("paypaypay.aspx") + 1
    assert any(w.startswith(f"line {at}:") and "ambiguous" in w for w in parsed.warnings)


# --- Malformed input ------------------------------------------------------------------------


def test_no_tables_is_page_error() -> None:
    with pytest.raises(PageError, match=r"line 3"):
        parse_page("Versions Compared\n\nJust prose.", source="prose.txt")
    with pytest.raises(PageError, match=r"line 1"):
        parse_page("")


def test_truncated_table_is_a_problem_and_unknown_macro_parameter_warns() -> None:
    text = "\n".join(
        [
            "Table Filter",
            "frobnicatetrue",
            "Multiexcerpt",
            "MultiExcerptNamelost_table",
            "",
            "Table Excerpt Include",
            "statictrue",
            "nameMAC",
            "pageMAC",
            "typepage",
        ]
    )
    parsed = parse_page(text)
    (section,) = parsed.sections
    assert (section.title, section.endpoint) == ("", "")
    (t,) = section.tables
    assert (t.excerpt, t.caption, t.entries) == ("lost_table", "", (Include("MAC", "MAC", 6),))
    joined = "\n".join(parsed.warnings)
    assert "line 2: unknown table macro parameter 'frobnicatetrue'" in joined
    assert "before any section" in joined
    (problem,) = parsed.problems
    assert problem.startswith("line 10: the page ends inside the table that starts at line 1")
    assert "truncated" in problem


def test_a_table_without_section_or_caption_pattern_is_read_with_warnings() -> None:
    parsed = parse_page("Intro\n\nTable Excerpt Include\nnameMAC\n\nCaption here\n")
    (t,) = parsed.sections[0].tables
    assert (t.excerpt, t.caption) == ("", "Caption here")
    assert any("line 3: table before any section" in w for w in parsed.warnings)
    assert any("line 6: caption 'Caption here' does not read like" in w for w in parsed.warnings)


STRUCTURE_LINES = [
    "",
    "Table Filter",
    "Table Transformer",
    "Multiexcerpt",
    "Multiexcerpt include",
    "MultiExcerptNameBaseURL",
    "MultiExcerptNamex_request",
    "PageWithExcerptWording",
    "Table Excerpt Include",
    "nameMAC",
    "pageMAC",
    "Key",
    "Format",
    "CND",
    "Description",
    "Beschreibung",
    "alipayalipayplus.aspx",
    "CustomerIDans..64OUnique numberEindeutige Nummer",
    "sdLastNameans..128OLast nameCLast name, ifNachname",
    "ans..8",
    "OC",
    "M",
    "Shipping addressLieferadresse",
    "Some caption",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(STRUCTURE_LINES) | st.text(max_size=40), max_size=40))
def test_structured_noise_never_crashes(lines: list[str]) -> None:
    try:
        parsed = parse_page("\n".join(lines))
    except PageError as exc:
        assert "line" in str(exc)
    else:
        assert all(w.startswith("line ") for w in parsed.warnings)
        assert any(s.tables for s in parsed.sections)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_crashes(text: str) -> None:
    with contextlib.suppress(PageError):
        parse_page(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_splitters_never_crash(text: str) -> None:
    en, de, _, _ = split_en_de(text)
    assert "".join((en + de).split()) == "".join(text.split())
    split_endpoint(text)
    split_cnd(text)


@settings(max_examples=100, deadline=None)
@given(
    deletions=st.lists(st.integers(min_value=0, max_value=1100), max_size=30),
    cut=st.integers(min_value=0, max_value=20000),
)
def test_damaged_seed_never_crashes(seed_text: str, deletions: list[int], cut: int) -> None:
    lines = seed_text[:cut].split("\n")
    for d in deletions:
        if lines:
            del lines[d % len(lines)]
    try:
        parsed = parse_page("\n".join(lines))
    except PageError as exc:
        assert "line" in str(exc)
    else:
        for section in parsed.sections:
            for t in section.tables:
                assert 1 <= t.line <= len(lines)
