"""Emit the bilingual reference generated/docs/ from the model.

Output, relative to generated/:

- ``docs/<lang>/index.md``, ``docs/<lang>/legend.md`` and one
  ``docs/<lang>/<operation>.md`` per operation, for each language (en, de);
- ``docs/index.html``: one self-contained page (inline CSS and JS, no external
  assets, works from file://) with an EN/DE switch, a sidebar that follows
  the reader, an anchor and a copy-link button per parameter, and a filter
  that keeps its text and the language in the URL.

The Markdown pages start with YAML front matter (title, language), so a static
site generator takes the folder of a language as it is; every link target is
an explicit ``<a id name>`` (GitHub keeps ``id``, GitLab keeps ``name``).

Every UI label comes from a catalogue per language
(``templates/docs/labels.<lang>.json``); a label missing in either catalogue,
or used by a template but defined nowhere, stops generation with its key.
Spec text is escaped for its destination: the HTML template renders with
autoescaping; Markdown templates pass every output through ``md_escape``
unless a filter already produced Markdown (``Md``) or it is the output of a
template macro, marked ``| safe``.

Each operation carries a worked example made by running the client being
generated (``examples``): the Python shown, what it sends, Paygate's answer
and the typed result the client reads from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..spec import texts
from ..spec.model import Erratum, Heading, Message, Method, Operation, Parameter, Spec, Text
from .errors import GenerateError
from .examples import Example, load_examples, worked_examples
from .render import docs_environments, render_in

LANGS = ("en", "de")
DOCS = "docs"  # the folder under templates/ and under generated/

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


# --------------------------------------------------------------------------- escaping


class Md(str):
    """Markdown made by a filter: written as is, never escaped again."""

    __slots__ = ()


# Backslash-escape every ASCII punctuation mark that Markdown (CommonMark/GFM)
# could read as markup inside a line; '|' also ends a table cell.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
# '&' only needs care where it would start an entity such as &amp; or &#38;.
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def md_escape(text: str) -> Md:
    """Plain text as Markdown inline text, safe in a paragraph and in a table cell."""
    if isinstance(text, Md):
        return text
    out = _MD_SPECIAL.sub(r"\\\1", text)
    out = _MD_ENTITY.sub("&amp;", out)
    # A newline would end a table row; <br> keeps the line break inside the cell.
    out = out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return Md(out)


def md_code(text: str, cell: bool = False) -> Md:
    """A Markdown code span; in a table cell '|' is escaped (GFM reads it before the span)."""
    text = text.replace("\r\n", " ").replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    if cell:
        text = text.replace("|", "\\|")
    return Md(f"{fence}{pad}{text}{pad}{fence}")


def yaml_string(text: str) -> Md:
    """A YAML scalar for front matter: a JSON string is a valid YAML double-quoted one."""
    return Md(json.dumps(text, ensure_ascii=False))


def md_block(text: str, info: str = "text") -> Md:
    """A fenced code block; the fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Md(f"{fence}{info}\n{text}\n{fence}")


def anchor(value: str) -> Md:
    """An HTML id / URL fragment: letters, digits, '.', '_' and '-' only."""
    return Md(_ANCHOR_UNSAFE.sub("-", value))


def _md_finalize(value: object) -> object:
    """Escape what a Markdown template writes, unless it already is Markdown.

    Already Markdown: what the Markdown filters return (``Md``) and the output of
    the templates' own macros, marked ``| safe`` as in any jinja2 template.
    """
    if isinstance(value, (Md, Markup)):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, Text):
        # A template bug: a bilingual Text needs `| t`, None means a missing value.
        raise TypeError(f"a Markdown template writes {value!r}; pick a language or a value")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return md_escape(value)
    raise TypeError(f"a Markdown template writes a {type(value).__name__}")


def bilingual(value: Text) -> Markup:
    """Both languages side by side, HTML-escaped; the page's CSS shows the chosen one."""

    def one(text: str) -> Markup:
        return escape(text).replace("\n", Markup("<br>"))

    return Markup('<span lang="en">{}</span><span lang="de">{}</span>').format(
        one(value.en), one(value.de)
    )


def linked(value: Text, links: Mapping[str, str], own: str = "") -> Markup:
    """Both languages like ``bi``, with every key of ``links`` (but the row's ``own``) a link."""
    links = {k: v for k, v in links.items() if k != own}
    if not links:
        return bilingual(value)
    keys = re.compile(
        r"(?<![A-Za-z0-9_])("
        + "|".join(re.escape(k) for k in sorted(links, key=len, reverse=True))
        + r")(?![A-Za-z0-9_])"
    )

    def one(text: str) -> Markup:
        out = Markup()
        for i, part in enumerate(keys.split(text)):
            if i % 2:
                out += Markup('<a href="#{}"><code>{}</code></a>').format(links[part], part)
            else:
                out += escape(part).replace("\n", Markup("<br>"))
        return out

    return Markup('<span lang="en">{}</span><span lang="de">{}</span>').format(
        one(value.en), one(value.de)
    )


def fill(value: Text, **values: object) -> Text:
    """Put values into a label's {placeholders}; a placeholder left over is an error."""

    def one(text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            if m[1] not in values:
                given = ", ".join(sorted(values)) or "none"
                raise GenerateError(
                    f"label text {text!r} has the placeholder {{{m[1]}}}, "
                    f"but the template gives only: {given}"
                )
            return str(values[m[1]])

        return _PLACEHOLDER.sub(sub, text)

    return Text(one(value.en), one(value.de))


# --------------------------------------------------------------------------- labels


class Labels:
    """The UI labels of both catalogues: ``L.request`` is a Text (en, de).

    A key no catalogue defines raises GenerateError naming it, so a template
    can never fall back silently to a missing translation.
    """

    def __init__(self, entries: Mapping[str, Text], source: str) -> None:
        self._entries = dict(entries)
        self._source = source

    def __getattr__(self, key: str) -> Text:
        if key.startswith("_"):  # keep Python's and jinja2's own probing working
            raise AttributeError(key)
        return self[key]

    def __getitem__(self, key: str) -> Text:
        try:
            return self._entries[key]
        except KeyError:
            raise GenerateError(
                f"missing label '{key}': a docs template uses it, but {self._source} "
                "do not define it; add it to every catalogue"
            ) from None


def load_labels(templates: Path) -> Labels:
    """Read and cross-check templates/docs/labels.<lang>.json; every problem at once."""
    problems: list[str] = []
    catalogues: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        path = templates / DOCS / f"labels.{lang}.json"
        shown = f"templates/{DOCS}/{path.name}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(f"{shown}: missing label catalogue for language '{lang}'")
            continue
        except json.JSONDecodeError as exc:
            problems.append(f"{shown}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{shown}: must hold one JSON object of label keys to texts")
            continue
        catalogue: dict[str, str] = {}
        for key, text in data.items():
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{shown}: label '{key}' must be a non-empty string")
            else:
                catalogue[key] = text
        catalogues[lang] = catalogue
    if problems:
        raise GenerateError("\n".join(problems))
    keys = {k for c in catalogues.values() for k in c}
    for key in sorted(keys):
        have = [lang for lang in LANGS if key in catalogues[lang]]
        for lang in LANGS:
            if key not in catalogues[lang]:
                problems.append(
                    f"templates/{DOCS}/labels.{lang}.json: missing label '{key}' "
                    f"(defined in labels.{have[0]}.json); every label needs a text "
                    f"in each language: {', '.join(LANGS)}"
                )
        if len(have) == len(LANGS):
            marks = {
                lang: sorted(set(_PLACEHOLDER.findall(catalogues[lang][key]))) for lang in LANGS
            }
            if len({tuple(m) for m in marks.values()}) > 1:
                shown = "; ".join(f"{lang}: {marks[lang] or 'none'}" for lang in LANGS)
                problems.append(
                    f"templates/{DOCS}/labels.*.json: label '{key}' must use the same "
                    f"placeholders in every language ({shown})"
                )
    if problems:
        raise GenerateError("\n".join(problems))
    entries = {k: Text(catalogues["en"][k], catalogues["de"][k]) for k in sorted(keys)}
    return Labels(entries, " and ".join(f"labels.{lang}.json" for lang in LANGS))


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class Condition:
    """When a row is required: a sentence and the rule it comes from (None: a default)."""

    text: Text
    rule: str | None
    anchor: str = ""  # the rule's entry under the table


@dataclass(frozen=True)
class Row:
    """One table row as the docs show it: a parameter with its notes, or a group heading."""

    heading: Text | None = None
    param: Parameter | None = None
    anchor: str = ""
    values: tuple[tuple[str, Text, bool], ...] = ()  # (value, text, is default)
    conditions: tuple[Condition, ...] = ()
    checks: tuple[Text, ...] = ()
    translated: bool = False  # German text translated by this project


@dataclass(frozen=True)
class Table:
    message: Message
    anchor: str
    rows: tuple[Row, ...]
    rules: tuple[tuple[str, Text, str], ...]  # (rule id, sentence, anchor)
    links: Mapping[str, str]  # key → row anchor, to link the keys a sentence names

    @property
    def mac_fields(self) -> str:
        return self.message.mac_string

    @property
    def params(self) -> int:
        return sum(1 for r in self.rows if r.param is not None)


@dataclass(frozen=True)
class Cite:
    """A parameter that cites an erratum, and where its row is."""

    message: Message
    op_title: Text
    key: str
    file: str  # the operation's Markdown page
    target: str  # the row's anchor


@dataclass(frozen=True)
class Citation:
    erratum: Erratum
    cited_by: tuple[Cite, ...]


@dataclass(frozen=True)
class OperationDoc:
    op: Operation
    method: Method
    request: Table
    result: Table
    errata: tuple[Citation, ...]
    example: Example
    file: str = field(default="")

    @property
    def url(self) -> str:
        return self.method.base_url + self.op.endpoint

    @property
    def transport_label(self) -> str:
        return "transport_" + self.op.transport.replace("-", "_")

    @property
    def anchor(self) -> str:
        return anchor(self.op.id)

    @property
    def example_anchor(self) -> str:
        return anchor(f"{self.op.id}-example")


def param_anchor(msg: Message, key: str) -> Md:
    """``alipayplus.payment.request-MerchantID``: the link target of a parameter's row."""
    return anchor(f"{msg.id}-{key}")


def rule_anchor(msg: Message, rule_id: str) -> Md:
    """``alipayplus.payment.request.rule-ostype-for-mobile-terminals``: a rule's entry."""
    return anchor(f"{msg.id}.rule-{rule_id}")


def _conditions(msg: Message, p: Parameter) -> tuple[Condition, ...]:
    out = [
        Condition(texts.rule_sentence(r), r.id, rule_anchor(msg, r.id))
        for r in msg.rules
        if p.key in r.keys
    ]
    if p.default is not None:
        out.append(Condition(texts.default_sentence(p), None))
    return tuple(out)


def _row(spec: Spec, msg: Message, p: Parameter, labels: Labels) -> Row:
    values = tuple((v.value, v.text, v.value == p.default) for v in p.values)
    checks: list[Text] = []
    if p.enforced.raw != p.format.raw:
        checks.append(fill(labels.checked_as, format=p.enforced.raw))
    allowed = texts.allowed(spec, msg, p)
    if p.pattern is not None:
        checks.append(allowed["format"])
    if p.check is not None:
        checks.append(allowed["enum"])
    if p.forbidden:
        checks.append(allowed["forbidden"])
    return Row(
        param=p,
        anchor=param_anchor(msg, p.key),
        values=values,
        conditions=_conditions(msg, p),
        checks=tuple(checks),
        translated=p.provenance.de == "translation",
    )


def table(spec: Spec, msg: Message, labels: Labels) -> Table:
    rows = tuple(
        Row(heading=e.text) if isinstance(e, Heading) else _row(spec, msg, e, labels)
        for e in msg.entries
    )
    rules = tuple((r.id, texts.rule_sentence(r), rule_anchor(msg, r.id)) for r in msg.rules)
    links = {p.key: str(param_anchor(msg, p.key)) for p in msg.parameters}
    return Table(msg, anchor(msg.id), rows, rules, links)


def citations(spec: Spec, messages: list[Message]) -> tuple[Citation, ...]:
    """The errata the parameters of ``messages`` cite, in spec order, with who cites them."""
    out = []
    for e in spec.errata:
        cited = tuple(
            Cite(
                m,
                spec.operation(m.operation).title,
                p.key,
                f"{anchor(m.operation)}.md",
                param_anchor(m, p.key),
            )
            for m in messages
            for p in m.parameters
            if e.id in p.errata
        )
        if cited:
            out.append(Citation(e, cited))
    return tuple(out)


def unknown_errata(spec: Spec) -> list[str]:
    known = {e.id for e in spec.errata}
    return [
        f"{p.place}: parameter {p.key} cites erratum '{ref}', which the spec does not record"
        for m in spec.messages()
        for p in m.parameters
        for ref in p.errata
        if ref not in known
    ]


# --------------------------------------------------------------------------- rendering


def header(spec: Spec) -> Md:
    return Md(
        f"<!-- Generated by paygate from spec/ (spec sha256 {spec.digest}). "
        'Do not edit: change spec/ or templates/ and run "paygate generate". -->'
    )


@dataclass(frozen=True)
class FormatDoc:
    """One format letter of the legend with what this project checks for it."""

    name: str
    text: Text
    classes: tuple[Text, ...]
    checked: str | None  # the regex a value must match (character class or pattern)


def legend_formats(spec: Spec) -> list[FormatDoc]:
    classes = {c.name: c.text for c in spec.legend.character_classes}
    out = []
    for f in spec.legend.formats:
        if f.pattern is not None:
            checked: str | None = f.pattern
        elif f.classes:
            checked = spec.legend.char_class(f.name) + "*"
        else:
            checked = None  # "enum": the allowed values are listed per parameter
        out.append(FormatDoc(f.name, f.text, tuple(classes[c] for c in f.classes), checked))
    return out


def operation_docs(
    spec: Spec,
    templates: Path,
    labels: Labels,
    examples: Mapping[str, Any],
    rendered: Mapping[str, str] | None = None,
) -> list[OperationDoc]:
    ran = worked_examples(spec, templates, examples, rendered)
    return [
        OperationDoc(
            op=op,
            method=method,
            request=table(spec, op.request, labels),
            result=table(spec, op.result, labels),
            errata=citations(spec, [op.request, op.result]),
            example=ran[op.id],
            file=f"{anchor(op.id)}.md",
        )
        for method in spec.methods
        for op in method.operations
    ]


def emit_docs(
    spec: Spec, templates: Path, rendered: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Relative path (under generated/) → text of every docs file.

    ``rendered``: the package files this run has rendered (``paygate/...``), for
    the worked examples; rendered again when not given.
    """
    problems = unknown_errata(spec)
    if problems:
        raise GenerateError("\n".join(problems))
    labels = load_labels(templates)
    examples = load_examples(templates, spec)
    ops = operation_docs(spec, templates, labels, examples, rendered)
    cited = citations(spec, list(spec.messages()))
    cited_ids = {c.erratum.id for c in cited}
    context: dict[str, Any] = {
        "spec": spec,
        "L": labels,
        "langs": LANGS,
        "operations": ops,
        "errata": cited,
        "uncited": [e for e in spec.errata if e.id not in cited_ids],
        "formats": legend_formats(spec),
        "test_keys": examples["test_keys"],
        "merchant_id": examples["merchant_id"],
        "header": header(spec),
        "anchor": anchor,
    }
    md, html = docs_environments(
        templates,
        finalize=_md_finalize,
        common={"fill": fill},
        markdown={"md": md_escape, "code": md_code, "block": md_block, "yaml": yaml_string},
        html={"bi": bilingual, "linked": linked},
    )
    files: dict[str, str] = {}
    for lang in LANGS:
        other = next(x for x in LANGS if x != lang)
        page = {**context, "lang": lang, "other": other}
        files[f"{DOCS}/{lang}/index.md"] = render_in(md, templates, f"{DOCS}/index.md.j2", **page)
        files[f"{DOCS}/{lang}/legend.md"] = render_in(md, templates, f"{DOCS}/legend.md.j2", **page)
        for doc in ops:
            files[f"{DOCS}/{lang}/{doc.file}"] = render_in(
                md, templates, f"{DOCS}/operation.md.j2", **page, doc=doc
            )
    # The header holds only fixed text and a hex digest: safe as HTML as it is.
    page = {**context, "header": Markup(context["header"])}
    files[f"{DOCS}/index.html"] = render_in(html, templates, f"{DOCS}/index.html.j2", **page)
    return files
