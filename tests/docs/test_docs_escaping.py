"""Spec text is escaped for its destination: Markdown table cells and HTML.

A description full of markup (a pipe, a newline, an HTML tag, emphasis, an
entity, backticks) must reach the reader as the same text, and must not add
a table cell, a row or an element.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from docs_helpers import ROOT, TEMPLATES, Page, markdown_page, words

from generator.emit.docs import emit_docs, md_block, md_code, md_escape
from generator.spec.loader import load_spec

NASTY_EN = "Unique | customer\nnumber <script>alert(1)</script> *x* _y_ &amp; `tick` [a](b) #1"
NASTY_DE = "Eindeutige | Kunden\nnummer <b>fett</b> \\| ~~weg~~"


@pytest.fixture(scope="module")
def nasty_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    spec_dir = tmp_path_factory.mktemp("spec") / "spec"
    shutil.copytree(ROOT / "spec", spec_dir)
    path = spec_dir / "alipayplus.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ('en: "Unique customer number"', NASTY_EN),
        ('de: "Eindeutige Kundennummer"', NASTY_DE),
    ):
        assert text.count(old) == 1
        quoted = new.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        text = text.replace(old, f'{old[:4]}"{quoted}"')
    path.write_text(text, encoding="utf-8")
    files: dict[str, str] = emit_docs(load_spec(spec_dir), TEMPLATES)
    return files


@pytest.mark.parametrize(("lang", "nasty"), [("en", NASTY_EN), ("de", NASTY_DE)])
def test_markdown_cell_keeps_the_text_and_the_table(
    nasty_docs: dict[str, str], lang: str, nasty: str
) -> None:
    page = markdown_page(nasty_docs[f"docs/{lang}/alipayplus.payment.md"])
    rows = [cells for _, _, cells in page.rows if cells and cells[0] == "CustomerID"]
    assert len(rows) == 1
    assert len(rows[0]) == 4  # the pipe made no extra cell
    assert rows[0][3] == nasty  # <br> read back as the newline
    assert "script" not in page.tags and "b" not in page.tags and "s" not in page.tags
    assert "em" not in page.tags  # *x* and _y_ stay literal
    # The rows after it are still rows of the same table.
    assert any(cells[0] == "terminalType" for _, _, cells in page.rows)


def test_html_escapes_every_spec_string(nasty_docs: dict[str, str]) -> None:
    html = nasty_docs["docs/index.html"]
    assert "<script>alert(1)" not in html and "<b>fett" not in html
    page = Page(html, "en")
    assert page.tags.count("script") == 1  # the page's own script only
    row = [c for _, i, c in page.rows if i == "alipayplus.payment.request-CustomerID"]
    assert row[0][3] == NASTY_EN  # newline shown as a line break
    de = Page(html, "de")
    row = [c for _, i, c in de.rows if i == "alipayplus.payment.request-CustomerID"]
    assert words(row[0][3]) == words(NASTY_DE)


@pytest.mark.parametrize(
    "text",
    ["a|b", "x\ny", "<i>i</i>", "*b* _i_ `c`", "\\|", "&copy; & &#38;", "[l](u) #h ~s~", "1. 2"],
)
def test_md_escape_reads_back_as_the_same_text(text: str) -> None:
    rendered = markdown_page(f"| h |\n|---|\n| {md_escape(text)} |\n")
    assert [cells for _, _, cells in rendered.rows][1] == [text]


@pytest.mark.parametrize("text", ["plain", "a`b", "``x``", "`edge`", "p|q"])
def test_md_code_is_one_code_span(text: str) -> None:
    rendered = markdown_page(f"| h |\n|---|\n| {md_code(text, cell=True)} |\n")
    assert [cells for _, _, cells in rendered.rows][1] == [text]
    assert rendered.tags.count("code") == 1


def test_md_block_survives_backtick_fences() -> None:
    text = "before\n```\ninside\n````\nafter"
    rendered = markdown_page(md_block(text) + "\n")
    assert rendered.tags.count("pre") == 1
    assert rendered.text.strip() == text


def test_templates_write_no_unescaped_spec_text() -> None:
    # Every {{ }} in a Markdown template goes through the escaping finalizer;
    # only macro output is marked safe, never a spec value.
    for path in Path(TEMPLATES, "docs").glob("*.md.j2"):
        for expression in re.findall(r"\{\{(.*?)\}\}", path.read_text(encoding="utf-8")):
            if "safe" in expression:
                shown = (path.name, expression)
                assert re.match(r" (m\.\w+|description|target|head)\(", expression), shown
