"""The spec encodes the vendor page: every table, include and explicit row, in page order.

The page export is parsed with generator.pages.parse (the importer's parser). The
export is a "Versions Compared" view: where a row changed, old and new text are
interleaved without markup, so for those rows the spec's (newer) text must be a
character subsequence of the page's merged text; every other row must match
exactly. Wording macros the page embeds ({{Helpdesk-Name}}) are expanded with
spec/legend.yaml `wording:` before comparing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spec_helpers import ROOT, SPEC, edit, make_project

from generator.pages.model import Heading as PageHeading
from generator.pages.model import Include, Page, Row, Table
from generator.pages.parse import parse_page
from generator.spec.loader import load_spec
from generator.spec.model import Heading, Message, Parameter, Spec

# The export as committed with the importer's tests, or shared/ beside the checkout.
PAGE_FILES = (
    ROOT / "tests" / "fixtures" / "vendor" / "alipayplus-page.txt",
    ROOT.parent / "shared" / "seeds" / "000_b91c9464963f5930.txt",
)


@pytest.fixture(scope="module")
def page() -> Page:
    for path in PAGE_FILES:
        if path.is_file():
            return parse_page(path.read_text(encoding="utf-8"), source=str(path))
    raise AssertionError(f"vendor page export not found: {', '.join(map(str, PAGE_FILES))}")


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


def tables(page: Page) -> list[Table]:
    return [t for s in page.sections for t in s.tables]


def message_for(spec: Spec, table: Table) -> Message:
    found = [m for m in spec.messages() if m.excerpt == table.excerpt]
    assert len(found) == 1, f"page table {table.excerpt} (line {table.line}) is not in the spec"
    return found[0]


def expand(text: str, spec: Spec, lang: str) -> str:
    """Replace the page's {{Wording}} placeholders with legend.yaml's wording."""
    wording = dict(spec.legend.wording)

    def one(m: re.Match[str]) -> str:
        assert m[1] in wording, f"wording {m[1]} is not in spec/legend.yaml"
        return wording[m[1]].get(lang)

    return re.sub(r"\{\{([^{}]+)\}\}", one, text)


def is_subsequence(short: str, long: str) -> bool:
    """True when ``short`` can be read out of ``long`` by dropping characters."""
    rest = iter(long)
    return all(c in rest for c in short)


def test_subsequence_helper() -> None:
    assert is_subsequence("WEB, WAP", "DesktopWEB,, MobileWAP")
    assert is_subsequence("", "x")
    assert not is_subsequence("WAP, WEB", "DesktopWEB,, MobileWAP")
    assert not is_subsequence("ab", "b")


def test_page_parses_cleanly(page: Page) -> None:
    assert page.warnings == ()
    assert len(tables(page)) == 8


def test_sections_are_the_operations(page: Page, spec: Spec) -> None:
    got = [(s.title, s.endpoint) for s in page.sections]
    assert got == [(op.section, op.endpoint) for op in spec.operations]


def test_every_page_table_is_a_spec_message(page: Page, spec: Spec) -> None:
    ops = {op.section: op for op in spec.operations}
    for section in page.sections:
        op = ops[section.title]
        assert [t.excerpt for t in section.tables] == [op.request.excerpt, op.result.excerpt]
        for table, msg in zip(section.tables, (op.request, op.result), strict=True):
            assert expand(table.caption, spec, "en").strip() == msg.caption.en, table.excerpt
    assert sorted(t.excerpt for t in tables(page)) == sorted(m.excerpt for m in spec.messages())


def _page_label(entry: Include | PageHeading | Row) -> str:
    if isinstance(entry, Include):
        return f"include {entry.name}"
    if isinstance(entry, PageHeading):
        return f"heading {entry.en} / {entry.de}"
    return f"row {entry.key}"


def _spec_label(entry: Parameter | Heading) -> str:
    if isinstance(entry, Heading):
        return f"heading {entry.text.en} / {entry.text.de}"
    if entry.include is not None:
        return f"include {entry.include}"
    return f"row {entry.key}"


def test_row_order_is_the_page_order(page: Page, spec: Spec) -> None:
    """Includes, headings and explicit rows stand in the spec in the page's order."""
    for table in tables(page):
        msg = message_for(spec, table)
        assert [_spec_label(e) for e in msg.entries] == [_page_label(e) for e in table.entries], (
            f"{table.excerpt} (page line {table.line})"
        )


def test_every_include_resolves_to_a_shared_definition(page: Page, spec: Spec) -> None:
    for table in tables(page):
        msg = message_for(spec, table)
        included = {p.include for p in msg.parameters if p.include}
        for entry in table.entries:
            if not isinstance(entry, Include):
                continue
            shared = spec.shared(entry.name)
            assert shared is not None, f"line {entry.line}: include {entry.name} not in shared.yaml"
            # The include macro also names the page the definition lives on.
            assert shared.page == entry.page, f"line {entry.line}: {entry.name}"
            assert entry.name in included, f"line {entry.line}: {entry.name} not in {msg.id}"


def _explicit_rows(page: Page) -> list[tuple[Table, Row]]:
    return [(t, e) for t in tables(page) for e in t.entries if isinstance(e, Row)]


def test_the_page_has_the_explicit_rows_the_reference_names(page: Page) -> None:
    keys = {r.key for _, r in _explicit_rows(page)}
    assert {"OrderDesc", "terminalType", "osType", "sdZip", "ErrorText", "Reason"} <= keys
    changed = {r.key for _, r in _explicit_rows(page) if r.changes}
    # Reference §1: the rows that differ between the two versions.
    assert changed == {"terminalType", "sdFirstName", "sdLastName", "sdcountryCode"}


def row_problems(page: Page, spec: Spec) -> list[str]:
    """Every difference between the page's explicit rows and the spec, in both languages."""
    problems = []
    for table, row in _explicit_rows(page):
        msg = message_for(spec, table)
        p = msg.parameter(row.key)
        where = f"page line {row.line}, {table.excerpt} {row.key}"
        if p is None or p.include is not None:
            problems.append(f"{where}: no explicit row in {msg.id}")
            continue
        if (p.format.raw, p.cnd) != (row.format, row.cnd):
            problems.append(f"{where}: spec {p.format.raw} {p.cnd}, page {row.format} {row.cnd}")
        for lang in ("en", "de"):
            page_text = expand(getattr(row, lang), spec, lang)
            spec_text = p.description.get(lang)
            if row.changes or row.ambiguous:
                # Old and new text are interleaved: the newer text is read out of the merged one.
                if not is_subsequence(spec_text, page_text):
                    problems.append(f"{where}: {lang} {spec_text!r} not within {page_text!r}")
                for change in row.changes:
                    if change.field == lang and spec_text != expand(change.new, spec, lang):
                        problems.append(f"{where}: {lang} is not the newer text {change.new!r}")
            elif spec_text != page_text:
                problems.append(f"{where}: {lang} spec {spec_text!r} != page {page_text!r}")
    return problems


def test_every_explicit_row_is_in_the_spec(page: Page, spec: Spec) -> None:
    assert len(_explicit_rows(page)) == 19
    assert row_problems(page, spec) == []


def test_a_spec_that_differs_from_the_page_is_caught(page: Page, tmp_path: Path) -> None:
    """The comparison is not vacuous: wrong text, format or CND in the spec is reported."""
    project = make_project(tmp_path)
    a = project / "spec" / "alipayplus.yaml"
    edit(a, 'en: "Reason for the refund"', 'en: "Reason for the credit"')
    edit(a, "          format: ans..768\n", "          format: ans..769\n")
    edit(
        a,
        'en: "Last name, if present sdFirstName & sdcountryCode are also mandatory"',
        'en: "Last name, if present sdFirstName & sdCountryCode are also mandatory"',
    )
    edit(a, "Eindeutige Kundennummer", "Eindeutige Kundenummer")
    problems = row_problems(page, load_spec(project / "spec"))
    # sdLastName twice: not within the merged text, and not the newer EN text the page shows.
    assert len(problems) == 5, problems
    for key, words in [
        ("Reason", "en spec 'Reason for the credit' != page 'Reason for the refund'"),
        ("OrderDesc", "spec ans..769 M, page ans..768 M"),
        ("sdLastName", "en 'Last name, if present sdFirstName & sdCountryCode"),
        ("sdLastName", "en is not the newer text 'Last name, if present sdFirstName & sdcountry"),
        ("CustomerID", "de spec 'Eindeutige Kundenummer'"),
    ]:
        assert any(f" {key}: " in p and words in p for p in problems), (key, problems)


def test_changed_rows_carry_the_newer_version(page: Page, spec: Spec) -> None:
    """Where key or CND changed, the spec has the new one (terminalType, not Device; C, not O)."""
    for table, row in _explicit_rows(page):
        p = message_for(spec, table).parameter(row.key)
        assert p is not None
        for change in row.changes:
            if change.field == "key":
                assert p.key == change.new != change.old
                assert message_for(spec, table).parameter(change.old) is None
            if change.field == "cnd":
                assert p.cnd == change.new != change.old
    payment = spec.message("alipayplus.payment.request")
    terminal = payment.parameter("terminalType")
    assert terminal is not None
    for word in ("Desktop", "Mobile"):  # the older version's values
        assert word not in terminal.description.en and word not in terminal.description.de


def test_wording_placeholders_on_the_page_are_all_known(page: Page, spec: Spec) -> None:
    names = set()
    for _, row in _explicit_rows(page):
        names.update(re.findall(r"\{\{([^{}]+)\}\}", (row.en or "") + (row.de or "")))
    assert names == {"Helpdesk-Name"}
    assert names <= {k for k, _ in spec.legend.wording}


def test_page_file_is_the_shared_seed_when_both_exist() -> None:
    existing = [p for p in PAGE_FILES if p.is_file()]
    assert existing
    texts = {p.read_bytes() for p in existing}
    assert len(texts) == 1, "the committed page export differs from the seed"


def test_page_source_is_recorded_in_the_spec(spec: Spec) -> None:
    # The spec cites the export users have (committed), and the vendor's site.
    (method,) = spec.methods
    assert PAGE_FILES[0].relative_to(ROOT).as_posix() in method.provenance.source
    assert "developer.computop.com" in method.provenance.source


def test_provenance_cites_only_what_users_can_reach(spec: Spec) -> None:
    sources = [
        spec.legend.provenance.source,
        spec.codes.provenance.source,
        *(m.provenance.source for m in spec.methods),
        *(p.provenance.source for m in spec.messages() for p in m.parameters),
    ]
    assert len(sources) > 20
    for source in sources:
        assert source, "every definition cites its source"
        # Nothing outside the repository: no notes of its authors, no sibling folders.
        assert "shared/" not in source and "reference §" not in source, source
        for path in re.findall(r"\btests/\S+", source):
            assert (ROOT / path.rstrip(";,")).is_file(), path


def test_the_readme_cites_the_committed_export() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert PAGE_FILES[0].relative_to(ROOT).as_posix() in readme
    assert "developer.computop.com" in readme
    assert "shared/" not in readme
