"""What the bilingual reference says: tables, rules, errata, legend, and its form.

The Markdown pages are read back through a CommonMark parser, the HTML page
through an HTML parser that hides the other language like the page's switch.
"""

from __future__ import annotations

import re

import pytest
from docs_helpers import (
    LANGS,
    TEMPLATES,
    docs,
    html_page,
    labels,
    markdown_page,
    md,
    spec,
    words,
)

from generator.emit.docs import emit_docs
from generator.spec import texts
from generator.spec.model import Heading, Message, Parameter

OPERATIONS = [op.id for op in spec().operations]


def _param_rows(rows: list[tuple[str, str | None, list[str]]], lang: str) -> list[list[str]]:
    """The 4-column rows of the parameter tables, without their header rows."""
    head = [labels(lang)[k] for k in ("col_key", "col_format", "col_cnd", "col_description")]
    return [cells for _, _, cells in rows if len(cells) == 4 and cells != head]


def _expected_first_cells(msg: Message, lang: str) -> list[str]:
    return [e.text.get(lang) if isinstance(e, Heading) else e.key for e in msg.entries]


def _expected_keys(msg: Message) -> list[str]:
    return [p.key for p in msg.parameters]


def test_every_file_is_there() -> None:
    files = set(docs())
    for lang in LANGS:
        assert {f"docs/{lang}/index.md", f"docs/{lang}/legend.md"} <= files
        assert {f"docs/{lang}/{op}.md" for op in OPERATIONS} <= files
    assert "docs/index.html" in files


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("op_id", OPERATIONS)
def test_markdown_tables_list_every_row_in_vendor_order(op_id: str, lang: str) -> None:
    op = spec().operation(op_id)
    page = md(lang, f"{op_id}.md")
    rows = _param_rows(page.rows, lang)
    expected = _expected_keys(op.request) + _expected_keys(op.result)
    assert [cells[0] for cells in rows] == expected
    params = [*op.request.parameters, *op.result.parameters]
    param_rows = rows
    assert len(param_rows) == len(params)
    for cells, p in zip(param_rows, params, strict=True):
        assert cells[1] == p.format.raw
        assert cells[2] == p.cnd
        assert words(cells[3]).startswith(words(p.description.get(lang)))
    # Every parameter row is a link target, in order.
    for msg in (op.request, op.result):
        ids = [i for i in page.ids if i.startswith(msg.id + "-")]
        assert ids == [f"{msg.id}-{p.key}" for p in msg.parameters]


def test_group_headings_stand_out() -> None:
    op = spec().operation("alipayplus.payment")
    headings = [e for e in op.request.entries if isinstance(e, Heading)]
    assert [h.text.en for h in headings] == ["Shipping address"]
    for lang, text in (("en", "Shipping address"), ("de", "Lieferadresse")):
        # In Markdown a heading of its own starts the group's table.
        page = docs()[f"docs/{lang}/alipayplus.payment.md"]
        after = page[page.index(f"\n### {text}\n") :]
        rows = _param_rows(markdown_page(after[: after.index("\n## ")]).rows, lang)
        assert [cells[0] for cells in rows] == [
            p.key for p in op.request.parameters if p.key.startswith("sd")
        ] + ["Plain", "Custom"]
        html_rows = [c for t, _, c in html_page(lang).rows if t == op.request.id]
        assert [text] in html_rows


@pytest.mark.parametrize("lang", LANGS)
def test_html_tables_list_every_row_in_vendor_order(lang: str) -> None:
    page = html_page(lang)
    for msg in spec().messages():
        rows = [(row_id, cells) for t, row_id, cells in page.rows if t == msg.id]
        header = [labels(lang)[k] for k in ("col_key", "col_format", "col_cnd", "col_description")]
        assert rows[0] == (None, header)
        body = rows[1:]
        assert [cells[0] for _, cells in body] == _expected_first_cells(msg, lang)
        assert [row_id for row_id, _ in body if row_id] == [
            f"{msg.id}-{p.key}" for p in msg.parameters
        ]
        for (_, cells), p in zip((r for r in body if r[0]), msg.parameters, strict=True):
            assert cells[1:3] == [p.format.raw, p.cnd]
            assert words(cells[3]).startswith(words(p.description.get(lang)))
    # IDs are unique: each anchor names one row.
    assert len(page.ids) == len(set(page.ids))


def _cell(lang: str, msg: Message, p: Parameter, where: str) -> str:
    """The description cell of a parameter's row, as a reader sees it."""
    if where == "md":
        op = spec().operation(msg.operation)
        rows = _param_rows(md(lang, f"{msg.operation}.md").rows, lang)
        offset = 0 if msg.role == "request" else len(op.request.parameters)
        cells = rows[offset + msg.parameters.index(p)]
        assert cells[0] == p.key
        return words(cells[3])
    row = [c for _, i, c in html_page(lang).rows if i == f"{msg.id}-{p.key}"]
    return words(row[0][3])


@pytest.mark.parametrize("where", ["md", "html"])
@pytest.mark.parametrize("lang", LANGS)
def test_conditional_rows_state_their_rule(lang: str, where: str) -> None:
    label = labels(lang)["condition"]
    checked = 0
    for msg in spec().messages():
        for p in msg.parameters:
            sentences = texts.conditions_of(msg, p.key)
            if p.cnd == "C":
                assert sentences, f"{msg.id} {p.key}: C row without a rule"
            cell = _cell(lang, msg, p, where)
            for s in sentences:
                assert f"{label}: {words(s.get(lang))}" in cell
                checked += 1
    assert checked >= 6


def test_ostype_rule_reads_as_a_sentence() -> None:
    # The spec's rule ostype-for-mobile-terminals, in words a reader checks by eye.
    msg = spec().message("alipayplus.payment.request")
    os_type = msg.parameter("osType")
    assert os_type is not None
    en = _cell("en", msg, os_type, "md")
    de = _cell("de", msg, os_type, "html")
    assert "Condition: osType is mandatory when terminalType is WAP, APP or MINI_APP." in en
    assert (
        "Bedingung: osType ist Pflicht, wenn terminalType gleich WAP, APP oder MINI_APP ist." in de
    )


@pytest.mark.parametrize("lang", LANGS)
def test_enums_show_values_texts_and_default(lang: str) -> None:
    msg = spec().message("alipayplus.payment.request")
    terminal = msg.parameter("terminalType")
    assert terminal is not None and terminal.default == "WEB"
    for where in ("md", "html"):
        cell = _cell(lang, msg, terminal, where)
        for v in terminal.values:
            assert f"{v.value} {v.text.get(lang)}" in cell
        assert f"WEB {terminal.values[0].text.get(lang)} ({labels(lang)['default']})" in cell


@pytest.mark.parametrize("lang", LANGS)
def test_operation_facts(lang: str) -> None:
    for method in spec().methods:
        for op in method.operations:
            text = words(md(lang, f"{op.id}.md").text)
            assert method.base_url + op.endpoint in text
            transport = labels(lang)["transport_" + op.transport.replace("-", "_")]
            assert words(transport) in text
            for msg in (op.request, op.result):
                assert f"{labels(lang)['mac_fields']}: {msg.mac_string}" in text
    assert (
        "https://www.computop-paygate.com/alipayplus.aspx" in md("en", "alipayplus.payment.md").text
    )
    assert "*TransID*MerchantID*Amount*Currency" in md("de", "alipayplus.payment.md").text


@pytest.mark.parametrize("lang", LANGS)
def test_errata_decisions_in_markdown_and_html(lang: str) -> None:
    index = words(md(lang, "index.md").text)
    page = words(html_page(lang).text)
    for e in spec().errata:
        assert words(e.decision.get(lang)) in index
        assert words(e.vendor.get(lang)) in index
        assert words(e.decision.get(lang)) in page
        citing = [(m, p) for m in spec().messages() for p in m.parameters if e.id in p.errata]
        for m, p in citing:
            op_page = words(md(lang, f"{m.operation}.md").text)
            assert words(e.decision.get(lang)) in op_page
            title = spec().operation(m.operation).title.get(lang)
            # Where: the operation, the table and the key, in the page's language.
            where = f"{title}, {labels(lang)[m.role]}: {p.key}"
            assert where in op_page and where in page
    # The other language's decision is not shown.
    other = "de" if lang == "en" else "en"
    assert words(spec().errata[0].decision.get(other)) not in page


def test_rows_link_the_errata_they_cite() -> None:
    msg = spec().message("alipayplus.payment.request")
    os_type = msg.parameter("osType")
    assert os_type is not None and os_type.errata == ("ostype-length", "ostype-stale-text")
    page = md("en", "alipayplus.payment.md")
    assert "#erratum-ostype-length" in page.hrefs
    assert "erratum-ostype-length" in page.ids
    html = html_page()
    assert "#erratum-ostype-length" in html.hrefs and "erratum-ostype-length" in html.ids
    assert "Errata: ostype-length, ostype-stale-text" in _cell("en", msg, os_type, "md")


@pytest.mark.parametrize("lang", LANGS)
def test_legend_has_formats_cnd_and_character_classes(lang: str) -> None:
    legend = spec().legend
    page = md(lang, "legend.md")
    rows = [cells for _, _, cells in page.rows]
    text = words(page.text)
    for letter in legend.formats:
        row = next(r for r in rows if r[0] == letter.name)
        assert row[1] == letter.text.get(lang)
    for cnd, meaning in legend.cnd:
        assert [cnd, meaning.get(lang)] in rows
    for c in legend.character_classes:
        assert words(c.text.get(lang)) in text
        assert f"[{c.regex or c.excludes}]" in text
    # What the project enforces, written out: an = ASCII letters and digits only,
    # the special characters exclude '&' and control characters.
    an = next(r for r in rows if r[0] == "an")
    assert an[3] == "[A-Za-z0-9]*"
    assert next(r for r in rows if r[0] == "ans")[3] == r"[^\x00-\x1f\x7f-\x9f&]*"
    html = words(html_page(lang).text)
    assert r"[^\x00-\x1f\x7f-\x9f&]*" in html


@pytest.mark.parametrize("lang", LANGS)
def test_index_links_every_operation_and_the_legend(lang: str) -> None:
    page = md(lang, "index.md")
    for op in OPERATIONS:
        assert f"{op}.md" in page.hrefs
    assert "legend.md" in page.hrefs
    other = "de" if lang == "en" else "en"
    assert f"../{other}/index.md" in page.hrefs


def test_html_is_self_contained() -> None:
    html = docs()["docs/index.html"]
    page = html_page()
    assert page.srcs == []
    assert all(h.startswith("#") for h in page.hrefs), [h for h in page.hrefs if h[:1] != "#"]
    assert not {"link", "img", "iframe", "object", "embed"} & set(page.tags)
    assert page.tags.count("style") == 1 and page.tags.count("script") == 1
    style = html[html.index("<style>") : html.index("</style>")]
    assert "@import" not in style and "url(" not in style
    script = html[html.index("<script>") : html.index("</script>")]
    assert not re.search(r"fetch|XMLHttpRequest|import\(|https?:", script)


def test_html_shows_test_keys_as_test_keys() -> None:
    page = html_page("en")
    assert labels("en")["test_keys_warning"] in page.text
    assert dict(page.codes)["hmac-key"]
    assert dict(page.codes)["blowfish-key"]


def test_output_is_deterministic() -> None:
    again = emit_docs(spec(), TEMPLATES)
    assert again == docs()
    for name, text in docs().items():
        assert not re.search(r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d", text), name
