"""Emit the bilingual reference generated/docs/ from the model.

Output, relative to generated/:

- ``docs/<lang>/index.md``, ``docs/<lang>/legend.md`` and one
  ``docs/<lang>/<operation>.md`` per operation, for each language (en, de);
- ``docs/index.html``: one self-contained page (inline CSS and JS, no external
  assets, works from file://) with an EN/DE switch, an anchor per parameter
  and a filter box.

Every UI label comes from a catalogue per language
(``templates/docs/labels.<lang>.json``); a label missing in either catalogue,
or used by a template but defined nowhere, stops generation with its key.
Spec text is escaped for its destination: the HTML template renders with
autoescaping; Markdown templates pass every output through ``md_escape``
unless a filter already produced Markdown (``Md``) or it is the output of a
template macro, marked ``| safe``.

Each operation page carries a worked example computed by the code being
generated: the package is rendered from the same spec and templates and
imported from a scratch folder; its builder, ``Client.encrypt_request`` and
``Client.parse_result`` run on the inputs of ``templates/docs/examples.json``
with the fixed test keys given there. HMAC and Blowfish/ECB are
deterministic, so the output is byte-stable.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from markupsafe import Markup, escape

from ..spec import texts
from ..spec.model import Erratum, Heading, Message, Method, Operation, Parameter, Spec, Text
from . import cache
from .errors import GenerateError
from .python import emit_package, fn_name
from .render import docs_environments, render_in

LANGS = ("en", "de")
DOCS = "docs"  # the folder under templates/ and under generated/
EXAMPLES = "examples.json"

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
class Row:
    """One table row as the docs show it: a parameter with its notes, or a group heading."""

    heading: Text | None = None
    param: Parameter | None = None
    anchor: str = ""
    values: tuple[tuple[str, Text, bool], ...] = ()  # (value, text, is default)
    conditions: tuple[Text, ...] = ()
    checks: tuple[Text, ...] = ()
    translated: bool = False  # German text translated by this project


@dataclass(frozen=True)
class Table:
    message: Message
    anchor: str
    rows: tuple[Row, ...]
    rules: tuple[tuple[str, Text], ...]  # (rule id, sentence)

    @property
    def mac_fields(self) -> str:
        return self.message.mac_string


@dataclass(frozen=True)
class Citation:
    erratum: Erratum
    cited_by: tuple[tuple[str, str, str, str], ...]  # (message ID, key, page file, row anchor)


@dataclass(frozen=True)
class Example:
    """The worked example of one operation, computed by the generated package."""

    builder: str
    request: tuple[tuple[str, str], ...]
    request_mac_input: str
    request_mac: str
    plaintext: str
    sent: tuple[tuple[str, str], ...]  # MerchantID, Len, Data
    result: tuple[tuple[str, str], ...]
    result_has_mac: bool
    result_mac_input: str
    result_mac: str

    @staticmethod
    def joined(pairs: tuple[tuple[str, str], ...]) -> str:
        return "&".join(f"{k}={v}" for k, v in pairs)

    @property
    def result_text(self) -> str:
        return self.joined(self.result)


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


def param_anchor(msg: Message, key: str) -> Md:
    """``alipayplus.payment.request-MerchantID``: the link target of a parameter's row."""
    return anchor(f"{msg.id}-{key}")


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
        conditions=tuple(texts.conditions_of(msg, p.key)),
        checks=tuple(checks),
        translated=p.provenance.de == "translation",
    )


def table(spec: Spec, msg: Message, labels: Labels) -> Table:
    rows = tuple(
        Row(heading=e.text) if isinstance(e, Heading) else _row(spec, msg, e, labels)
        for e in msg.entries
    )
    rules = tuple((r.id, texts.rule_sentence(r)) for r in msg.rules)
    return Table(msg, anchor(msg.id), rows, rules)


def citations(spec: Spec, messages: list[Message]) -> tuple[Citation, ...]:
    """The errata the parameters of ``messages`` cite, in spec order, with who cites them."""
    out = []
    for e in spec.errata:
        cited = tuple(
            (m.id, p.key, f"{anchor(m.operation)}.md", param_anchor(m, p.key))
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


# --------------------------------------------------------------------------- worked example


@contextmanager
def generated_package(
    spec: Spec, templates: Path, rendered: Mapping[str, str] | None = None
) -> Iterator[ModuleType]:
    """The package this run generates, imported under a private name.

    The installed ``paygate`` may be older than the spec (it is rewritten only
    after rendering succeeded), so the example runs the code rendered now from
    the same spec and templates (``rendered``, the files the run has rendered,
    else rendered here). The import is removed again afterwards.
    """
    name = f"_paygate_docs_{spec.digest}"
    every = emit_package(spec, templates) if rendered is None else rendered
    files = {rel: text for rel, text in every.items() if rel.startswith("paygate/")}
    with _package_folder(files) as (root, keep_bytecode):
        init = root / "paygate" / "__init__.py"
        module_spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(init.parent)]
        )
        assert module_spec is not None and module_spec.loader is not None
        package = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = package
        dont_write = sys.dont_write_bytecode
        sys.dont_write_bytecode = not keep_bytecode
        try:
            try:
                module_spec.loader.exec_module(package)
                for sub in ("builders", "client", "crypto", "results", "secrets"):
                    importlib.import_module(f"{name}.{sub}")
            except Exception as exc:
                raise GenerateError(
                    f"the generated package does not import, so the docs' worked examples "
                    f"cannot run: {type(exc).__name__}: {exc}"
                ) from None
            yield package
        finally:
            sys.dont_write_bytecode = dont_write
            for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[mod]


@contextmanager
def _package_folder(files: Mapping[str, str]) -> Iterator[tuple[Path, bool]]:
    """A folder holding ``files``, and whether its bytecode may be kept there.

    In the per-user cache (``cache``) the folder is named by a hash of the
    files, so a run that renders the same package imports it from bytecode
    compiled by an earlier one; it is filled under another name and renamed
    when complete. Without a cache: a scratch folder, and no bytecode.
    """
    where = cache.subfolder("docs-package")
    if where is None:
        with tempfile.TemporaryDirectory(prefix="paygate-docs-") as tmp:
            _write_tree(Path(tmp), files)
            yield Path(tmp), False
        return
    folder = where / cache.key(*(f"{k}\0{v}" for k, v in sorted(files.items())))[:32]
    if not folder.is_dir():
        scratch = Path(tempfile.mkdtemp(prefix=".new-", dir=where))
        _write_tree(scratch, files)
        try:
            scratch.rename(folder)
        except OSError:  # another run made it first
            shutil.rmtree(scratch, ignore_errors=True)
    folder.touch()  # in use: the newest, so the last to be pruned
    cache.prune_folders(where, keep=8)
    yield folder, True


def _write_tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _mac_fields(fields: tuple[str | None, ...], params: Mapping[str, str]) -> list[str | None]:
    folded = {k.lower(): v for k, v in params.items()}
    return [folded.get(f.lower()) if f else None for f in fields]


def _result(
    pkg: ModuleType, client: Any, op: Operation, given: Mapping[str, str], hmac_key: object
) -> tuple[list[tuple[str, str]], bool, str, list[str | None]]:
    """A plain result in the vendor's row order, MACed over the result's MAC fields.

    The client must accept it: parse_result verifies the MAC and every parameter.
    """
    unknown = sorted(set(given) - {p.key for p in op.result.parameters})
    if unknown:
        raise GenerateError(
            f"templates/{DOCS}/{EXAMPLES}: operations.{op.id}.result has keys its table "
            f"does not list: {', '.join(unknown)}"
        )
    fields = _mac_fields(op.result.mac, given)
    mac = pkg.crypto.compute_mac(hmac_key, fields)
    has_mac = any(p.computed == "mac" for p in op.result.parameters)
    result: list[tuple[str, str]] = []
    for p in op.result.parameters:
        if p.computed == "mac" and has_mac:
            result.append((p.key, mac))
        elif p.key in given:
            result.append((p.key, given[p.key]))
    client.parse_result(op.id, dict(result))
    return result, has_mac, mac, fields


def worked_example(
    pkg: ModuleType, op: Operation, given: Mapping[str, Any], keys: Mapping[str, str]
) -> Example:
    """Build, MAC and encrypt the request and MAC the result with the generated code."""
    crypto, secrets = pkg.crypto, pkg.secrets
    client_mod = pkg.client
    hmac_key = secrets.Secret(keys["hmac"])
    cipher_key = secrets.Secret(keys["blowfish"])
    builder_name = f"build_{fn_name(op.id)}"
    builder: Callable[..., dict[str, str]] = getattr(pkg, builder_name)
    built = builder(**given["request"])
    fields = _mac_fields(op.request.mac, built)
    mac = crypto.compute_mac(hmac_key, fields)

    # What the client really sends (it MACs and encrypts itself) ...
    config = client_mod.Config(
        merchant_id=built["MerchantID"], hmac_key=hmac_key, cipher_key=cipher_key
    )
    client = client_mod.Client(config)
    try:
        sent = client.encrypt_request(op.id, built)
        result, has_mac, result_mac, result_fields = _result(
            pkg, client, op, given["result"], hmac_key
        )
    finally:
        client.close()
    # ... decrypted again with the documented key: the plaintext shown is the one inside Data.
    cipher = crypto.BlowfishCipher(cipher_key)
    plaintext = cipher.decrypt(sent["Data"], int(sent["Len"]))
    if f"MAC={mac}" not in plaintext.split("&"):
        raise GenerateError(f"{op.id}: the client's MAC differs from the documented MAC input")

    return Example(
        builder=f"paygate.{builder_name}",
        request=tuple(built.items()),
        request_mac_input=crypto.mac_input(fields),
        request_mac=mac,
        plaintext=plaintext,
        sent=tuple(sent.items()),
        result=tuple(result),
        result_has_mac=has_mac,
        result_mac_input=crypto.mac_input(result_fields),
        result_mac=result_mac,
    )


def load_examples(templates: Path, spec: Spec) -> dict[str, Any]:
    path = templates / DOCS / EXAMPLES
    shown = f"templates/{DOCS}/{EXAMPLES}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GenerateError(f"{shown}: missing (the worked examples' inputs)") from None
    except json.JSONDecodeError as exc:
        raise GenerateError(
            f"{shown}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from None
    problems = []
    if not isinstance(data, dict) or not isinstance(data.get("test_keys"), dict):
        raise GenerateError(f"{shown}: needs 'test_keys' (hmac, blowfish) and 'operations'")
    for key in ("hmac", "blowfish"):
        if not isinstance(data["test_keys"].get(key), str):
            problems.append(f"{shown}: test_keys.{key} must be a string")
    ops = data.get("operations", {})
    known = [op.id for op in spec.operations]
    for op_id in known:
        entry = ops.get(op_id)
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(r), dict) for r in ("request", "result")
        ):
            problems.append(
                f"{shown}: operations.{op_id} needs a 'request' (builder arguments) "
                "and a 'result' (result parameters) object"
            )
    for op_id in ops:
        if op_id not in known:
            problems.append(
                f"{shown}: operations.{op_id} is not an operation of the spec "
                f"(known: {', '.join(known)})"
            )
    if problems:
        raise GenerateError("\n".join(problems))
    return data


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
    docs = []
    with generated_package(spec, templates, rendered) as pkg:
        for method in spec.methods:
            for op in method.operations:
                try:
                    example = worked_example(
                        pkg, op, examples["operations"][op.id], examples["test_keys"]
                    )
                except GenerateError:
                    raise
                except Exception as exc:  # the generated code refused the example's input
                    raise GenerateError(
                        f"templates/{DOCS}/{EXAMPLES}: the worked example of {op.id} fails: "
                        f"{type(exc).__name__}: {exc}"
                    ) from None
                docs.append(
                    OperationDoc(
                        op=op,
                        method=method,
                        request=table(spec, op.request, labels),
                        result=table(spec, op.result, labels),
                        errata=citations(spec, [op.request, op.result]),
                        example=example,
                        file=f"{anchor(op.id)}.md",
                    )
                )
    return docs


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
        "header": header(spec),
        "anchor": anchor,
    }
    md, html = docs_environments(
        templates,
        finalize=_md_finalize,
        common={"fill": fill},
        markdown={"md": md_escape, "code": md_code, "block": md_block},
        html={"bi": bilingual},
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
