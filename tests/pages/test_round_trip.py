"""The project's own spec, written as a page in every layout, reads back as the same tables.

``page_writer`` writes the Alipay+ method of spec/ the way each layout prints
it; reading the page back must give every section, table and row, with key,
format, CND and the texts the layout carries, and must skip no line. The same
holds for rows Hypothesis makes up (odd characters, long texts, texts that
look like formats) and for the draft spec the importer writes from the page.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_writer import CARRIES, WRITERS, PageRow, PageSection, PageTable, sections_of

from generator.pages.draft import draft_spec
from generator.pages.model import Heading, Include, Page, Row
from generator.pages.parse import parse_page
from generator.pages.text import normalize
from generator.spec.loader import load_spec
from generator.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


def read_back(text: str) -> Page:
    page = parse_page(text, "written.txt")
    assert page.problems == ()
    assert page.skipped == ()
    return page


def check_tables(page: Page, sections: tuple[PageSection, ...], layout: str, spec: Spec) -> None:
    carries = CARRIES[layout]
    langs = carries.langs
    assert [(s.title, s.endpoint) for s in page.sections] == [
        (s.title, s.endpoint) for s in sections
    ]
    library = dict(spec.library)
    for got, want in zip(page.sections, sections, strict=True):
        assert [t.role for t in got.tables] == [t.role for t in want.tables]
        for gt, wt in zip(got.tables, want.tables, strict=True):
            assert gt.languages == langs
            captions = carries.captions
            if "en" in captions:
                assert normalize(gt.caption) == normalize(wt.caption_en)
            if "de" in captions:
                assert normalize(gt.caption_de) == normalize(wt.caption_de)
            expected = [e for e in wt.entries if isinstance(e, PageRow) or carries.headings]
            assert len(gt.entries) == len(expected), (gt.line, [str(e)[:40] for e in gt.entries])
            for g, w in zip(gt.entries, expected, strict=True):
                if isinstance(w, tuple):
                    assert isinstance(g, Heading)
                    assert (normalize(g.en), normalize(g.de)) == (normalize(w[0]), normalize(w[1]))
                    continue
                if carries.includes and w.include is not None:
                    assert isinstance(g, Include) and g.name == w.include
                    assert library[g.name].key == w.key
                    continue
                assert isinstance(g, Row), g
                assert (g.key, g.format, g.cnd) == (w.key, w.format, w.cnd)
                assert not g.ambiguous, g.note
                for lang in ("en", "de"):
                    text = g.en if lang == "en" else g.de
                    if lang in langs:
                        assert text is not None
                        assert normalize(text) == normalize(w.en if lang == "en" else w.de)
                    else:
                        assert text is None  # never invented


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_the_spec_written_in_each_layout_reads_back(spec: Spec, layout: str) -> None:
    sections = sections_of(spec.methods[0])
    page = read_back(WRITERS[layout](sections))
    check_tables(page, sections, layout, spec)


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_the_draft_of_each_layout_is_the_spec_again(
    spec: Spec, layout: str, tmp_path: Path
) -> None:
    """import, then load: every message has the spec's keys, formats, CND and texts."""
    sections = sections_of(spec.methods[0])
    page = read_back(WRITERS[layout](sections))
    draft = draft_spec(page, spec)
    for name in ("legend.yaml", "shared.yaml", "codes.yaml"):
        shutil.copy(SPEC / name, tmp_path / name)
    (tmp_path / "alipayplus.yaml").write_text(draft.text, encoding="utf-8")
    mine = load_spec(tmp_path)
    langs = CARRIES[layout].langs
    for got, want in zip(mine.messages(), spec.messages(), strict=True):
        assert got.id == want.id
        assert [p.key for p in got.parameters] == [p.key for p in want.parameters]
        for g, w in zip(got.parameters, want.parameters, strict=True):
            assert (g.format.raw, g.cnd) == (w.format.raw, w.cnd), g.key
            for lang in langs:
                assert normalize(g.description.get(lang)) == normalize(w.description.get(lang))


# --- made-up rows -----------------------------------------------------------------------------

_word = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Cf"),
        exclude_characters="\u00a0",
    ),
    min_size=1,
    max_size=12,
)
_formats = st.sampled_from(["ans..32", "an32", "n..10", "a3", "as..50", "ns..8", "bool", "dttm"])
_texts = st.one_of(
    st.lists(_word, min_size=2, max_size=60).map(" ".join),  # odd characters, long texts
    _formats.map(lambda f: f"{f} or {f.upper()} when sent"),  # looks like a format
    st.sampled_from(["M or O", "ans..32 ans..64", "an32", "n..10 digits", "a | b | c"]),
)
_keys = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,20}", fullmatch=True).filter(
    lambda k: k.lower() not in {"key", "parameter", "name", "field", "feld", "format", "type"}
)


@st.composite
def made_up_rows(draw: st.DrawFn) -> tuple[PageRow, ...]:
    keys = draw(st.lists(_keys, min_size=1, max_size=6, unique_by=str.lower))
    return tuple(
        PageRow(k, draw(_formats), draw(st.sampled_from("MOC")), draw(_texts), draw(_texts))
        for k in keys
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=made_up_rows(), layout=st.sampled_from(sorted(WRITERS)))
def test_made_up_rows_read_back_in_every_layout(
    spec: Spec, rows: tuple[PageRow, ...], layout: str
) -> None:
    base = sections_of(spec.methods[0])[1]  # reverse: a short section
    request = dataclasses.replace(base.tables[0], entries=rows)
    section = dataclasses.replace(base, tables=(request, base.tables[1]))
    page = read_back(WRITERS[layout]((section,)))
    check_tables(page, (section,), layout, spec)


def test_writers_cover_the_six_layouts(spec: Spec) -> None:
    """Each layout of the vendor's pages is written, and read as that layout."""
    sections = sections_of(spec.methods[0])
    seen: set[str] = set()
    for layout, write in WRITERS.items():
        seen.update(parse_page(write(sections), layout).layouts)
    assert {
        "1 editor export",
        "2 rendered text",
        "3 pipe rows",
        "4 one language (EN)",
        "4 one language (DE)",
        "5 other header words",
        "6 formats outside the legend",
    } <= seen


def test_an_empty_table_is_a_problem() -> None:
    t = PageTable("request", "x_request", "Parameters for x", "Parameter für x", ())
    page = parse_page(WRITERS["rendered"]((PageSection("X", "x.aspx", (t,)),)))
    assert any("has no rows" in p for p in page.problems)
