"""Helpers for the docs tests: render the docs once, read Markdown and HTML back.

Markdown is read back through a real CommonMark parser with GFM tables
(markdown-it-py), so the tests see what a reader sees, not the escaped source.
"""

from __future__ import annotations

import json
import re
import shutil
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

from generator.emit.docs import emit_docs
from generator.spec.loader import load_spec
from generator.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
LANGS = ("en", "de")


@cache
def spec() -> Spec:
    return load_spec(ROOT / "spec")


@cache
def docs() -> dict[str, str]:
    """Every docs file as the generator makes it from the project's spec."""
    return emit_docs(spec(), TEMPLATES)


@cache
def labels(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads(
        (TEMPLATES / "docs" / f"labels.{lang}.json").read_text(encoding="utf-8")
    )
    return data


def copy_templates(tmp: Path) -> Path:
    """A scratch copy of templates/ to break."""
    target = tmp / "templates"
    shutil.copytree(TEMPLATES, target)
    return target


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Page(HTMLParser):
    """The parts of an HTML page the tests look at.

    rows: (table, tr id or None, cell texts) of every table row, where table is
    the table's data-message (or "" for other tables); ids: every id in order;
    text: all text; codes: (class, text) of every <code> with a class;
    hrefs and srcs: every link and source attribute; tags: every tag name.
    With ``lang``, text inside an element of another language is left out, as
    the page's language switch hides it; button labels are always left out.
    """

    def __init__(self, html: str, lang: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self._open: list[tuple[str, bool]] = []  # open elements: (tag, of another language)
        self.rows: list[tuple[str, str | None, list[str]]] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.tags: list[str] = []
        self.codes: list[tuple[str, str]] = []
        self.text_parts: list[str] = []
        self._table: list[str] = []
        self._row: tuple[str | None, list[str]] | None = None
        self._cell: list[str] | None = None
        self._code: tuple[str, list[str]] | None = None
        self.feed(html)
        self.close()

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag not in VOID:
            # Text of another language is hidden by the page's switch; a button's label
            # (the copy-link buttons) is no text of the table.
            other = tag == "button" or (
                tag not in ("html", "button")
                and self.lang is not None
                and a.get("lang") not in (None, self.lang)
            )
            self._open.append((tag, other))
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if "href" in a:
            self.hrefs.append(str(a["href"]))
        if "src" in a:
            self.srcs.append(str(a["src"]))
        if tag == "table":
            self._table.append(str(a.get("data-message") or ""))
        elif tag == "tr":
            self._row = (a.get("id"), [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "code" and a.get("class"):
            self._code = (str(a["class"]), [])
        elif tag == "br":
            self._data("\n")

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break
        if tag == "table" and self._table:
            self._table.pop()
        elif tag == "tr" and self._row is not None:
            self.rows.append((self._table[-1] if self._table else "", *self._row))
            self._row = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row[1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "code" and self._code is not None:
            self.codes.append((self._code[0], "".join(self._code[1])))
            self._code = None

    def handle_data(self, data: str) -> None:
        self._data(data)

    def _data(self, data: str) -> None:
        if any(other for _, other in self._open):
            return
        self.text_parts.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._code is not None:
            self._code[1].append(data)


FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def front_matter(text: str) -> str | None:
    """The YAML front matter a page starts with, or None."""
    m = FRONT_MATTER.match(text)
    return m[1] if m else None


def markdown_page(text: str) -> Page:
    """A Markdown page as a reader sees it: rendered by CommonMark with GFM tables.

    Front matter is taken off first, as GitHub, GitLab and site generators do.
    """
    return Page(MarkdownIt("commonmark").enable("table").render(FRONT_MATTER.sub("", text)))


@cache
def md(lang: str, name: str) -> Page:
    return markdown_page(docs()[f"docs/{lang}/{name}"])


@cache
def html_page(lang: str | None = None) -> Page:
    return Page(docs()["docs/index.html"], lang)


def words(text: str) -> str:
    return " ".join(text.split())


# Browser-side checkers from the npm registry, pinned in tests/docs/package.json;
# `bash .ci/run` installs them (npm install --prefix tests/docs).
NODE_MODULES = ROOT / "tests" / "docs" / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
NPM_INSTALL = "npm install --prefix tests/docs --no-package-lock (bash .ci/run does it)"
