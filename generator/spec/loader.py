"""Load spec/*.yaml into the immutable model.

The only room that knows YAML. Every file is parsed with line marks, checked
against generator/spec/spec.schema.json, and its references are resolved. All
problems of all files are collected and raised together as one SpecError, each
naming file:line:column and the key, so a broken spec is fixed in one pass.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .model import (
    CharClass,
    Codes,
    Encryption,
    Entry,
    Erratum,
    Format,
    FormatLetter,
    Heading,
    Legend,
    Message,
    Method,
    Operation,
    Parameter,
    Place,
    Provenance,
    Rule,
    Spec,
    Text,
    Value,
)

SCHEMA_PATH = Path(__file__).with_name("spec.schema.json")
FIXED_FILES = {
    "legend.yaml": "legend_file",
    "shared.yaml": "shared_file",
    "codes.yaml": "codes_file",
}


@dataclass(frozen=True)
class Problem:
    place: Place
    key: str  # the dotted path of the offending key inside the file
    message: str

    def __str__(self) -> str:
        where = f" [{self.key}]" if self.key else ""
        return f"{self.place}:{where} {self.message}"


class SpecError(Exception):
    """The spec could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.place.file, p.place.line, p.place.column))
        super().__init__("\n".join(str(p) for p in self.problems))


Path_ = tuple[str | int, ...]


class _Doc:
    """One parsed YAML file: plain data plus the line mark of every node."""

    def __init__(self, name: str, data: Any, marks: dict[Path_, Place]) -> None:
        self.name = name
        self.data = data
        self.marks = marks

    def place(self, path: Path_) -> Place:
        # The nearest marked ancestor: a missing key is reported at its parent.
        for i in range(len(path), -1, -1):
            if path[:i] in self.marks:
                return self.marks[path[:i]]
        return Place(self.name, 1, 1)


def _mark(name: str, mark: yaml.Mark) -> Place:
    return Place(name, mark.line + 1, mark.column + 1)


# libyaml's parser is about three times faster; the pure-Python one words errors
# best, so it re-reads a file only when that file has a syntax error.
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(name: str, text: str, problems: list[Problem]) -> _Doc | None:
    try:
        try:
            root = yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        place = _mark(name, mark) if mark else Place(name, 1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(place, "", f"YAML syntax error: {problem}"))
        return None
    marks: dict[Path_, Place] = {}
    constructor = yaml.SafeLoader("")
    active: set[int] = set()  # nodes being built: an alias back into one of them is a cycle

    def scalar(node: yaml.Node, path: Path_) -> Any:
        try:
            return constructor.construct_object(node)
        except yaml.YAMLError as exc:
            # Tags such as !!python/object: the spec holds plain YAML values only.
            problem = getattr(exc, "problem", None) or str(exc)
            problems.append(
                Problem(_mark(name, node.start_mark), _dotted(path), f"{problem}; use plain values")
            )
            # Go on with the text as written, so the tag is the only problem reported.
            return node.value if isinstance(node, yaml.ScalarNode) else None

    def build(node: yaml.Node, path: Path_) -> Any:
        marks[path] = _mark(name, node.start_mark)
        if id(node) in active:
            problems.append(
                Problem(marks[path], _dotted(path), "an alias refers to a node that contains it")
            )
            return None
        if isinstance(node, yaml.MappingNode):
            active.add(id(node))
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                where = _mark(name, key_node.start_mark)
                if not isinstance(key_node, yaml.ScalarNode):
                    problems.append(Problem(where, _dotted(path), "a key must be plain text"))
                    continue
                key = str(scalar(key_node, path))
                if key in out:
                    problems.append(Problem(where, _dotted((*path, key)), f"duplicate key '{key}'"))
                out[key] = build(value_node, (*path, key))
                # A key is reported at its own line, not at its value's.
                marks[(*path, key)] = where
            active.discard(id(node))
            return out
        if isinstance(node, yaml.SequenceNode):
            active.add(id(node))
            items = [build(item, (*path, i)) for i, item in enumerate(node.value)]
            active.discard(id(node))
            return items
        return scalar(node, path)

    if root is None:
        problems.append(Problem(Place(name, 1, 1), "", "the file is empty"))
        return None
    return _Doc(name, build(root, ()), marks)


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = dict(_schema())
    schema["$ref"] = f"#/$defs/{kind}"
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(doc: _Doc, kind: str) -> list[Problem]:
    out = []
    for err in _validator(kind).iter_errors(doc.data):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            # One problem per unknown key, at the key's own line.
            schema = err.schema if isinstance(err.schema, dict) else {}
            allowed = sorted(schema.get("properties", {}))
            for key in err.instance:
                if key not in allowed:
                    out.append(_unknown_key(doc, (*path, key), allowed))
            continue
        out.append(Problem(doc.place(path), _dotted(path), _explain(err)))
    return out


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _unknown_key(doc: _Doc, path: Path_, allowed: list[str]) -> Problem:
    key = str(path[-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    message = f"unknown key '{key}'{hint}; allowed keys: {', '.join(allowed)}"
    return Problem(doc.place(path), _dotted(path), message)


# Values that are texts for people and may span lines; every other string of the
# spec is a one-line token (a key, a format, an ID, a value).
_TEXT_KEYS = frozenset({"en", "de", "note", "source"})


def _control_problems(doc: _Doc) -> list[Problem]:
    """Tokens with a line break or other control character (e.g. from a YAML block scalar)."""
    out: list[Problem] = []

    def walk(data: Any, path: Path_) -> None:
        if isinstance(data, dict):
            for k, v in data.items():
                if _has_control(k):
                    out.append(Problem(doc.place((*path, k)), _dotted((*path, k)), _CONTROL))
                walk(v, (*path, k))
        elif isinstance(data, list):
            for i, v in enumerate(data):
                walk(v, (*path, i))
        elif isinstance(data, str) and not (path and path[-1] in _TEXT_KEYS) and _has_control(data):
            out.append(Problem(doc.place(path), _dotted(path), f"{data!r}: {_CONTROL}"))

    walk(doc.data, ())
    return out


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


_CONTROL = "must be one line without control characters (only en/de texts may span lines)"


def _explain(err: jsonschema.ValidationError) -> str:
    """A schema error in a sentence that names the rule and what is allowed."""
    if err.validator == "required":
        missing = str(err.message).split("'")[1] if "'" in err.message else err.message
        return f"missing key '{missing}'"
    if err.validator == "enum" and isinstance(err.validator_value, list):
        allowed = ", ".join(repr(v) for v in err.validator_value)
        return f"value {err.instance!r} is not allowed; allowed: {allowed}"
    if err.validator == "pattern" and err.schema is _schema()["$defs"].get("format"):
        return f"{err.instance!r} is not a vendor format such as ans..32, a3, n..10, bool, dttm"
    if err.validator == "type":
        if err.validator_value == "string" and not isinstance(err.instance, str):
            # YAML reads 2024-01-01 as a date, yes as true, 007 as a number.
            return f"expected text, got {err.instance!r}; quote the value to make it text"
        return f"{err.instance!r} is not of type {err.validator_value}"
    return str(err.message)


def _text(d: dict[str, str]) -> Text:
    return Text(d["en"], d["de"])


def _prov(d: dict[str, str] | None, default: Provenance) -> Provenance:
    if d is None:
        return default
    return Provenance(d["source"], d["de"], d.get("note", ""))


class _Builder:
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.library: dict[str, Parameter] = {}
        self.errata: list[Erratum] = []
        self.letters: dict[str, FormatLetter] = {}

    def err(self, doc: _Doc, path: Path_, message: str) -> None:
        self.problems.append(Problem(doc.place(path), _dotted(path), message))

    def regex(self, doc: _Doc, path: Path_, regex: str) -> None:
        try:
            re.compile(regex)
        except re.error as exc:
            self.err(doc, path, f"regular expression {regex!r} does not compile: {exc}")

    def legend(self, doc: _Doc) -> Legend:
        d = doc.data
        classes = tuple(
            CharClass(n, c.get("regex"), c.get("excludes"), _text(c["text"]))
            for n, c in d["character_classes"].items()
        )
        for c in classes:
            if c.regex is not None:
                self.regex(doc, ("character_classes", c.name, "regex"), f"[{c.regex}]")
            if c.excludes is not None:
                self.regex(doc, ("character_classes", c.name, "excludes"), f"[^{c.excludes}]")
        known = {c.name for c in classes}
        formats = []
        for n, f in d["formats"].items():
            for i, c in enumerate(f.get("classes", [])):
                if c not in known:
                    self.err(
                        doc,
                        ("formats", n, "classes", i),
                        f"unknown character class '{c}'; defined: {', '.join(sorted(known))}",
                    )
            if "pattern" in f:
                self.regex(doc, ("formats", n, "pattern"), f["pattern"])
            formats.append(
                FormatLetter(n, tuple(f.get("classes", [])), f.get("pattern"), _text(f["text"]))
            )
        self.letters = {f.name: f for f in formats}
        return Legend(
            character_classes=classes,
            formats=tuple(formats),
            lengths=tuple((n, x["example"], _text(x["text"])) for n, x in d["lengths"].items()),
            cnd=tuple((k, _text(v["text"])) for k, v in d["cnd"].items()),
            wording=tuple((k, _text(v)) for k, v in d.get("wording", {}).items()),
            provenance=_prov(d["provenance"], Provenance("", "vendor")),
        )

    def parameter(
        self,
        doc: _Doc,
        path: Path_,
        d: dict[str, Any],
        prov: Provenance,
        include: str | None = None,
    ) -> Parameter:
        fmt = self.format(doc, (*path, "format"), d["format"])
        enforce = d.get("enforce", {})
        enforced = fmt
        if "format" in enforce:
            enforced = self.format(doc, (*path, "enforce", "format"), enforce["format"])
        return Parameter(
            key=d["key"],
            format=fmt,
            enforced=enforced,
            cnd=d["cnd"],
            description=_text(d["description"]),
            provenance=_prov(d.get("provenance"), prov),
            place=doc.place(path),
            include=include,
            page=d.get("page"),
            pattern=enforce.get("pattern"),
            values=tuple(Value(v["value"], _text(v["text"])) for v in d.get("values", [])),
            default=d.get("default"),
            forbidden=tuple(d.get("forbidden", [])),
            check=d.get("check"),
            computed=d.get("computed"),
            amount=d.get("amount", False),
            idempotency=d.get("idempotency", False),
            status=d.get("status", False),
            code=d.get("code", False),
            errata=tuple(d.get("errata", [])),
        )

    def format(self, doc: _Doc, path: Path_, raw: str) -> Format:
        """The parsed format; checks that legend.yaml defines its letter."""
        fmt = Format.parse(raw)
        if fmt is None:  # the schema admits only parseable formats; kept as a guard
            self.err(doc, path, f"{raw!r} is not a vendor format such as ans..32, a3, bool")
            return Format(raw, "ans")
        letter = self.letters.get(fmt.kind)
        if letter is None or (letter.pattern is None and not letter.classes):
            self.err(
                doc,
                path,
                f"format {raw} uses the letter '{fmt.kind}', which legend.yaml `formats` "
                "does not define with classes or a pattern",
            )
        return fmt

    def shared(self, doc: _Doc) -> None:
        for name, d in doc.data["parameters"].items():
            self.library[name] = self.parameter(
                doc, ("parameters", name), d, Provenance(doc.name, "vendor"), include=name
            )
        self.collect_errata(doc)

    def encryption(self, doc: _Doc) -> Encryption:
        d = doc.data["encryption"]
        envelope = [d["data"], d["length"], d["merchant"]]
        if len({k.lower() for k in envelope}) != len(envelope):
            self.err(doc, ("encryption",), "data, length and merchant must be three different keys")
        return Encryption(
            data=d["data"],
            length=d["length"],
            merchant=d["merchant"],
            plain=tuple(d["plain"]),
            pairs=tuple(d["pairs"]),
            place=doc.place(("encryption",)),
        )

    def check_encryption(self, doc: _Doc, enc: Encryption, methods: list[Method]) -> None:
        """``plain`` names result keys and ``pairs`` request keys of some table."""
        messages = [
            m for method in methods for op in method.operations for m in (op.request, op.result)
        ]
        for field, role in (("plain", "result"), ("pairs", "request")):
            known = {p.key.lower() for m in messages if m.role == role for p in m.parameters}
            for i, key in enumerate(getattr(enc, field)):
                if key.lower() not in known:
                    self.err(
                        doc, ("encryption", field, i), f"'{key}' is not a key of any {role} table"
                    )

    def collect_errata(self, doc: _Doc) -> None:
        for i, e in enumerate(doc.data.get("errata", [])):
            self.errata.append(
                Erratum(
                    id=e["id"],
                    place_text=e["place"],
                    vendor=_text(e["vendor"]),
                    decision=_text(e["decision"]),
                    acknowledges=tuple(e.get("acknowledges", [])),
                    place=doc.place(("errata", i)),
                )
            )

    def codes(self, doc: _Doc) -> Codes:
        d = doc.data
        return Codes(
            success=d["success"],
            severities=tuple((k, _text(v)) for k, v in d["severities"].items()),
            modules=tuple((k, _text(v)) for k, v in d["modules"].items()),
            other_module=_text(d["other_module"]),
            provenance=_prov(d["provenance"], Provenance("", "vendor")),
        )

    def message(
        self, doc: _Doc, path: Path_, op_id: str, role: str, d: dict[str, Any], prov: Provenance
    ) -> Message:
        entries: list[Entry] = []
        for i, row in enumerate(d["parameters"]):
            rpath = (*path, "parameters", i)
            if "include" in row:
                shared = self.library.get(row["include"])
                if shared is None:
                    known = ", ".join(sorted(self.library)) or "none"
                    self.err(
                        doc,
                        (*rpath, "include"),
                        f"unresolved include '{row['include']}': no such shared definition "
                        f"in shared.yaml (known: {known})",
                    )
                    continue
                # The row keeps the shared definition and records where it is included.
                entries.append(replace(shared, included_at=doc.place(rpath)))
            elif "heading" in row:
                entries.append(Heading(_text(row["heading"]), doc.place(rpath)))
            else:
                entries.append(self.parameter(doc, rpath, row, prov))
        rules = []
        for i, r in enumerate(d.get("rules", [])):
            when = r.get("when", {})
            cond = r.get("condition")
            rules.append(
                Rule(
                    id=r["id"],
                    kind=r["kind"],
                    keys=tuple(r["keys"]),
                    place=doc.place((*path, "rules", i)),
                    when_key=when.get("key"),
                    when_in=tuple(when.get("in", [])),
                    condition=_text(cond) if cond else None,
                )
            )
        mac = tuple(f or None for f in d["mac"].split("*"))
        return Message(
            operation=op_id,
            role=role,
            excerpt=d["excerpt"],
            caption=_text(d["caption"]),
            mac=mac,
            entries=tuple(entries),
            rules=tuple(rules),
            place=doc.place(path),
            caption_provenance=_prov(
                d.get("caption_provenance"), Provenance(prov.source, "translation")
            ),
            mac_place=doc.place((*path, "mac")),
            # The vendor asks to read results leniently (keys in any case, extra keys
            # kept) and requests are checked strictly, unless the spec says otherwise.
            case_insensitive=d.get("keys", "case-insensitive" if role == "result" else "exact")
            == "case-insensitive",
            strict=d.get("extra_keys", "kept" if role == "result" else "error") == "error",
        )

    def method(self, doc: _Doc) -> Method:
        d = doc.data
        prov = _prov(d["provenance"], Provenance(doc.name, "vendor"))
        ops = []
        for i, o in enumerate(d["operations"]):
            path: Path_ = ("operations", i)
            ops.append(
                Operation(
                    id=o["id"],
                    section=o["section"],
                    title=_text(o["title"]),
                    endpoint=o["endpoint"],
                    transport=o["transport"],
                    request=self.message(
                        doc, (*path, "request"), o["id"], "request", o["request"], prov
                    ),
                    result=self.message(
                        doc, (*path, "result"), o["id"], "result", o["result"], prov
                    ),
                    place=doc.place(path),
                    section_de=o.get("section_de"),
                    section_provenance=_prov(
                        o.get("section_provenance"), Provenance(prov.source, "translation")
                    ),
                )
            )
            if not o["id"].startswith(d["method"] + "."):
                self.err(
                    doc, (*path, "id"), f"operation ID '{o['id']}' must start with '{d['method']}.'"
                )
        self.collect_errata(doc)
        return Method(
            d["method"], _text(d["title"]), prov, d["base_url"], tuple(ops), doc.place(())
        )


def load_spec(spec_dir: str | Path) -> Spec:
    """Load and check every file of a spec folder; raise SpecError with all problems."""
    root = Path(spec_dir).resolve()
    # Problems about the folder as a whole name it by its full path.
    folder = Place(str(root), 0, 0)
    problems: list[Problem] = []
    if not root.is_dir():
        raise SpecError([Problem(folder, "", "spec folder not found")])
    files = sorted(root.glob("*.yaml"))
    for path in sorted(root.glob("*.yml")):
        problems.append(
            Problem(Place(path.name, 0, 0), "", "spec files end in .yaml; rename it to be read")
        )
    docs: dict[str, _Doc] = {}
    sources = []
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(Place(path.name, 0, 0), "", f"cannot read: {exc.strerror}"))
            continue
        sources.append((path.name, hashlib.sha256(raw).hexdigest()))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(Place(path.name, 1, 1), "", f"not UTF-8 text: {exc.reason}"))
            continue
        doc = _compose(path.name, text, problems)
        if doc is None:
            continue
        kind = FIXED_FILES.get(path.name, "method_file")
        if not isinstance(doc.data, dict):
            problems.append(Problem(doc.place(()), "", "the file must hold a mapping of keys"))
            continue
        found = _schema_problems(doc, kind) + _control_problems(doc)
        problems.extend(found)
        if not found:
            docs[path.name] = doc
    for name in FIXED_FILES:
        if not (root / name).is_file():
            needed = ", ".join(FIXED_FILES)
            problems.append(
                Problem(
                    Place(name, 0, 0), "", f"missing spec file {name} (every spec has {needed})"
                )
            )
    if problems:
        raise SpecError(problems)

    b = _Builder(problems)
    legend = b.legend(docs["legend.yaml"])
    b.shared(docs["shared.yaml"])
    encryption = b.encryption(docs["shared.yaml"])
    codes = b.codes(docs["codes.yaml"])
    methods = [b.method(doc) for name, doc in docs.items() if name not in FIXED_FILES]
    if not methods:
        problems.append(Problem(folder, "", "no method file (such as alipayplus.yaml)"))
    b.check_encryption(docs["shared.yaml"], encryption, methods)
    if problems:
        raise SpecError(problems)
    return Spec(
        legend=legend,
        library=tuple(b.library.items()),
        codes=codes,
        methods=tuple(methods),
        errata=tuple(b.errata),
        encryption=encryption,
        sources=tuple(sources),
    )
