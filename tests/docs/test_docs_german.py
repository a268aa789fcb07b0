"""German is German: every label and heading of the German reference is German.

A label (from the catalogues) whose English text differs from its German one
must not show on a German page in a place where labels and headings stand:
headings, table headers, the bar, the sidebar, term lists and bold lead-ins.
Section titles the vendor gives only in English show the project's German
title, marked as a translation.
"""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

import pytest
from docs_helpers import docs, labels, spec

# The <title> is set per language by the page's script (checked in the browser test).
LABEL_TAGS = {"h1", "h2", "h3", "h4", "th", "dt", "b", "label", "nav", "header"}
LABEL_CLASSES = {"col-title", "nav-title"}


class LabelText(HTMLParser):
    """German text of the page's label places (English spans are hidden on the German page)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self._open: list[tuple[str, bool, bool]] = []  # (tag, label place, English)
        self.parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "input", "meta", "path", "svg"}:
            return
        a = {k: v or "" for k, v in attrs}
        place = tag in LABEL_TAGS or bool(LABEL_CLASSES & set(a.get("class", "").split()))
        english = a.get("lang") == "en" and tag == "span"
        self._open.append((tag, place, english or tag in {"style", "script", "code"}))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(place for _, place, _ in self._open) and not any(e for *_, e in self._open):
            self.parts.append(data)


def _english_only_labels() -> dict[str, str]:
    en, de = labels("en"), labels("de")
    return {k: v for k, v in en.items() if v != de[k] and k != "language_name"}


def test_html_labels_and_headings_are_german() -> None:
    shown = " ".join(LabelText(docs()["docs/index.html"]).parts)
    assert shown.strip()
    found = [
        (key, text)
        for key, text in _english_only_labels().items()
        if "{" not in text and re.search(rf"(?<!\w){re.escape(text)}(?!\w)", shown)
    ]
    assert found == []
    # The column headers are the German ones (CND is "Bedingung").
    for key in ("col_key", "col_format", "col_cnd", "col_description"):
        assert labels("de")[key] in shown


@pytest.mark.parametrize("page", sorted(n for n in docs() if n.startswith("docs/de/")))
def test_markdown_headings_and_lead_ins_are_german(page: str) -> None:
    text = docs()[page]
    lines = text.splitlines()
    places = [line for line in lines if line.startswith("#")]  # headings
    places += re.findall(r"\*\*([^*]+)\*\*", text)  # bold lead-ins such as **Werte:**
    places += [a for a, b in itertools.pairwise(lines) if b.startswith("|---")]
    shown = " ".join(places)
    found = [
        (key, value)
        for key, value in _english_only_labels().items()
        if "{" not in value and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", shown)
    ]
    assert found == [], page


def test_section_titles_have_a_german_title_marked_as_translation() -> None:
    translated = labels("de")["translated"]
    for op in spec().operations:
        assert op.section_title is not None, f"{op.id}: the spec gives no German section title"
        assert op.section_provenance.de == "translation"
        page = docs()[f"docs/de/{op.id}.md"]
        line = next(x for x in page.splitlines() if labels("de")["vendor_section"] in x)
        assert f"{op.section_title.de} ({translated})" in line
        assert op.section not in page or op.section == op.section_title.de
        en = docs()[f"docs/en/{op.id}.md"]
        assert op.section in en and translated not in en
