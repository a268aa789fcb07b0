"""The layout examples of the vendor's pages, each read row by row into the right table.

Examples 1 to 3 are the ones the description of the layouts prints, verbatim;
examples 4 to 6 follow its words (one language only, other header words and
one-row tables, formats outside the legend and numbered rows). Each is read
on its own (a snippet: no caption, so the page is reported as truncated) and
inside a page frame (endpoint, intro, caption), where it imports as a draft.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.pages.draft import TODO_MISSING, TODO_TRANSLATE, draft_spec
from generator.pages.model import Row
from generator.pages.parse import parse_page
from generator.spec.loader import load_spec
from generator.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]

EXAMPLE_1 = "Languagea2OLanguage of the payment pageSprache der Zahlungsseite"
EXAMPLE_1_VERSIONS = "\n".join(
    [
        "Versions Compared",
        "",
        "DeviceterminalTypeans..6ans..7COOptions: WEB, WAPOptionen: WEB, WAP",
        # A merged key is split only where the page shows one of its parts elsewhere.
        "osTypeans..7OOnly when terminalType is APPNur wenn terminalType APP ist",
    ]
)
EXAMPLE_2 = """KeyFormatCNDDescriptionBeschreibung
PayID

an32

M

ID of the payment that is to be captured

ID der zu buchenden Zahlung"""
EXAMPLE_3 = """Key | Format | CND | Description | Beschreibung |
---|
URLBack | ans..256 | O | URL for the back button
of the payment page | URL für den Zurück-Knopf
der Zahlungsseite |"""
EXAMPLE_4_EN = """Key

Format

CND

Description

Template

ans..20

O

Name of the XSLT file with your own layout for the payment form"""
EXAMPLE_4_DE = """KeyFormatBedingungBeschreibung
Template
ans..20
O
Name der XSLT-Datei mit Ihrem eigenen Layout
für das Bezahlformular"""
EXAMPLE_5 = """Parameter | Format | Bedingung | Beschreibung |
---|
MerchantID | ans..30 | M | HändlerID, die von Computop vergeben wird |

Parameter | Format | Bedingung | Beschreibung |
---|
TransID | ans..64 | M | TransaktionsID, die für jede Zahlung eindeutig sein muss |"""
EXAMPLE_6 = """KeyFormatCNDDescriptionBeschreibung
1

threeDSPolicy

JSON

O

Object with the 3-D Secure policy

Objekt mit den 3-D-Secure-Vorgaben

1.1

challengePreference

string

O

Preference for a challenge

Wunsch nach einer Challenge"""


def row(key: str, fmt: str, cnd: str, en: str | None, de: str | None) -> tuple[object, ...]:
    return (key, fmt, cnd, en, de)


EXPECTED = {
    "1": (
        EXAMPLE_1,
        [row("Language", "a2", "O", "Language of the payment page", "Sprache der Zahlungsseite")],
    ),
    "2": (
        EXAMPLE_2,
        [
            row(
                "PayID",
                "an32",
                "M",
                "ID of the payment that is to be captured",
                "ID der zu buchenden Zahlung",
            )
        ],
    ),
    "3": (
        EXAMPLE_3,
        [
            row(
                "URLBack",
                "ans..256",
                "O",
                "URL for the back button of the payment page",
                "URL für den Zurück-Knopf der Zahlungsseite",
            )
        ],
    ),
    "4-en": (
        EXAMPLE_4_EN,
        [
            row(
                "Template",
                "ans..20",
                "O",
                "Name of the XSLT file with your own layout for the payment form",
                None,
            )
        ],
    ),
    "4-de": (
        EXAMPLE_4_DE,
        [
            row(
                "Template",
                "ans..20",
                "O",
                None,
                "Name der XSLT-Datei mit Ihrem eigenen Layout für das Bezahlformular",
            )
        ],
    ),
    "5": (
        EXAMPLE_5,
        [
            row("MerchantID", "ans..30", "M", None, "HändlerID, die von Computop vergeben wird"),
            row(
                "TransID",
                "ans..64",
                "M",
                None,
                "TransaktionsID, die für jede Zahlung eindeutig sein muss",
            ),
        ],
    ),
    "6": (
        EXAMPLE_6,
        [
            row(
                "threeDSPolicy",
                "JSON",
                "O",
                "Object with the 3-D Secure policy",
                "Objekt mit den 3-D-Secure-Vorgaben",
            ),
            row(
                "challengePreference",
                "string",
                "O",
                "Preference for a challenge",
                "Wunsch nach einer Challenge",
            ),
        ],
    ),
}


def in_a_frame(snippet: str) -> str:
    """The snippet as the request table of a page: endpoint, intro, caption, result table."""
    return "\n".join(
        [
            "Demo payments",
            "",
            "Please use the following URL: https://www.computop-paygate.com/demo.aspx",
            "",
            "The following table describes the encrypted payment request parameters:",
            "",
            snippet,
            "",
            "Parameters for payments with Demo",
            "",
            "The following table gives the result parameters:",
            "",
            "Key | Format | CND | Description | Beschreibung |",
            "---|",
            "PayID | an32 | M | ID assigned by Paygate | Vom Paygate vergebene ID |",
            "",
            "Result parameters for payments with Demo",
        ]
    )


def rows_of(text: str) -> list[tuple[object, ...]]:
    page = parse_page(text)
    return [
        (e.key, e.format, e.cnd, e.en, e.de)
        for t in page.tables
        if t.role == "request"
        for e in t.entries
        if isinstance(e, Row)
    ]


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_each_example_alone_reads_its_rows(example: str) -> None:
    text, expected = EXPECTED[example]
    page = parse_page(text)
    assert [(r.key, r.format, r.cnd, r.en, r.de) for r in page.tables[0].rows] == expected
    assert page.skipped == ()
    # A snippet has no caption: the reader says the page looks cut off, never passes it.
    assert any("truncated" in p for p in page.problems)


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_each_example_in_a_page_reads_into_the_request_table(example: str) -> None:
    text, expected = EXPECTED[example]
    page = parse_page(in_a_frame(text))
    assert page.problems == () and page.skipped == ()
    ((section_endpoint, roles),) = [(s.endpoint, [t.role for t in s.tables]) for s in page.sections]
    assert (section_endpoint, roles) == ("demo.aspx", ["request", "result"])
    assert rows_of(in_a_frame(text)) == expected


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(ROOT / "spec")


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_each_example_imports_with_its_values_and_todo_for_what_is_missing(
    spec: Spec, example: str
) -> None:
    text, expected = EXPECTED[example]
    draft = draft_spec(parse_page(in_a_frame(text)), spec)
    data = yaml.safe_load(draft.text)
    (op,) = data["operations"]
    assert op["id"] == "demo.payment" and op["endpoint"] == "demo.aspx"
    params = op["request"]["parameters"]
    assert len(params) == len(expected)
    library = dict(spec.library)
    for got, (key, fmt, cnd, en, de) in zip(params, expected, strict=True):
        if "include" in got:  # a shared definition, same key, format, CND and text
            shared = library[got["include"]]
            assert (shared.key, shared.format.raw, shared.cnd) == (key, fmt, cnd)
            continue
        assert (got["key"], got["format"], got["cnd"]) == (key, fmt, cnd)
        texts = got["description"]
        assert texts["en"] == (en if en is not None else TODO_TRANSLATE)
        assert texts["de"] == (de if de is not None else TODO_TRANSLATE)
    assert (
        op["result"]["parameters"] == [{"include": "PayID"}]
        or op["result"]["parameters"][0]["key"] == "PayID"
    )
    assert TODO_MISSING in draft.text  # the method title is not on the page


def test_example_5_one_row_tables_form_one_table() -> None:
    page = parse_page(in_a_frame(EXAMPLE_5))
    request = [t for t in page.tables if t.role == "request"]
    assert len(request) == 1 and [r.key for r in request[0].rows] == ["MerchantID", "TransID"]
    assert "5 other header words" in page.layouts


def test_example_6_keeps_formats_and_numbers_verbatim_and_marks_them(spec: Spec) -> None:
    page = parse_page(in_a_frame(EXAMPLE_6))
    numbers = [r.number for r in page.tables[0].rows]
    assert numbers == ["1", "1.1"]
    draft = draft_spec(page, spec).text
    assert "# CHECK: 'JSON' is not a spec format such as ans..32" in draft
    assert "# CHECK: 'string' is not a spec format such as ans..32" in draft
    assert "the page numbers this row '1.1'" in draft


def test_a_versions_compared_squashed_row_gives_the_newer_values() -> None:
    page = parse_page(EXAMPLE_1_VERSIONS)
    r, _ = page.tables[0].rows
    assert (r.key, r.format, r.cnd) == ("terminalType", "ans..7", "O")
    assert {(c.field, c.old, c.new) for c in r.changes} >= {
        ("key", "Device", "terminalType"),
        ("format", "ans..6", "ans..7"),
        ("cnd", "C", "O"),
    }


def test_a_stray_line_between_rows_is_listed_and_the_rows_after_it_are_read() -> None:
    snippet = (
        EXAMPLE_3
        + "\n\nNote: the back button is shown on request.\n\n(see above)\n\n"
        + ("URLCancel | ans..256 | O | URL for the cancel button | URL für den Abbrechen-Knopf |")
    )
    page = parse_page(in_a_frame(snippet))
    request = page.tables[0]
    assert [r.key for r in request.rows] == ["URLBack", "URLCancel"]
    lines = in_a_frame(snippet).split("\n")
    stray = lines.index("Note: the back button is shown on request.") + 1
    assert [s.line for s in page.skipped] == [stray]
    assert any(h.line == stray + 2 for h in request.entries if not isinstance(h, Row))


@pytest.mark.parametrize(
    "snippet",
    [
        "Key | Format | CND | Description | Beschreibung |\n---|\n"
        "DeviceterminalType | ans..6ans..7 | CO | Options: WEB | Optionen: WEB |",
        "KeyFormatCNDDescriptionBeschreibung\nDeviceterminalType\n\nans..6ans..7\n\nCO\n\n"
        "Options: WEB\n\nOptionen: WEB",
    ],
    ids=["pipes", "rendered"],
)
def test_versions_compared_in_other_layouts_give_the_newer_values(snippet: str) -> None:
    text = "Versions Compared\n\n" + in_a_frame(snippet) + "\n\nterminalType is new.\n"
    page = parse_page(text)
    (r,) = page.tables[0].rows
    assert (r.key, r.format, r.cnd) == ("terminalType", "ans..7", "O")
    assert {(c.field, c.old, c.new) for c in r.changes} == {
        ("key", "Device", "terminalType"),
        ("format", "ans..6", "ans..7"),
        ("cnd", "C", "O"),
    }
    # The same glued values on a page that is no "Versions Compared" export are kept
    # as printed and flagged for a person, never split on a guess.
    (plain,) = parse_page(in_a_frame(snippet)).tables[0].rows
    assert plain.key == "DeviceterminalType" and plain.ambiguous
