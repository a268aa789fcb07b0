"""Spec text that looks like code stays text: quotes, backslashes, jinja, newlines, non-ASCII.

The golden fixture spec is rewritten with hostile texts, values and forbidden
characters; the generated package must compile, import, and carry exactly the
spec's text (docstrings: the same words; literals and schemas: the same string).
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from emit_helpers import (
    GOLDEN,
    ROOT,
    imported_package,
    js_regex_tests,
    words,
    write_files,
)

from generator.emit.generate import format_python
from generator.emit.python import emit_package, fn_name
from generator.emit.schema import emit_schemas
from generator.spec import texts
from generator.spec.loader import load_spec
from generator.spec.model import Spec

HOSTILE = (
    "He said \"hi\" and 'bye'; C:\\temp\\new\\N{BULLET} \\x41 \\u00e4 \\\n"
    '""" triple """ \'\'\' single \'\'\' """"" {{ jinja }} {% if x %}{# c #}{%- raw %}\n'
    "\n"
    "line after a blank line, ä ö ß 中文 😀 \u2028 after U+2028, tab\tend, bell\x07, "
    "{0} {module} %s $x ${y} ` <b>&amp;</b> # not a comment \r\n NUL\x00 "
    "https://example.invalid/a-very-long-word-that-must-not-be-cut-by-wrapping/" + "x" * 90 + " "
    'ends with a backslash, a quote and a space \\" '
)
ODD_VALUE = "{{ x }}\"'\\"
FORBIDDEN = ['"', "'", "\\", "]", "^", "-", "[", "{", "#"]
STATUS_VALUES = ["OK", "FAILED", "IN-PROGRESS", "3DS", "class"]


def hostile_texts(data: Any, counter: Iterator[int]) -> Any:
    """Every en/de text becomes the hostile text with a unique tag, so each can be found."""
    if isinstance(data, dict):
        if set(data) == {"en", "de"}:
            n = next(counter)
            return {"en": f"[en-{n}] {HOSTILE}", "de": f"[de-{n}] {HOSTILE}"}
        return {k: hostile_texts(v, counter) for k, v in data.items()}
    if isinstance(data, list):
        return [hostile_texts(v, counter) for v in data]
    return data


def write_hostile_spec(folder: Path) -> None:
    folder.mkdir()
    counter = itertools.count()
    for name in ("legend.yaml", "shared.yaml", "codes.yaml", "demo.yaml"):
        data = yaml.safe_load((GOLDEN / "spec" / name).read_text(encoding="utf-8"))
        if name == "codes.yaml":
            other = data.pop("other_module")  # a format string with {module}: kept as is
            data = hostile_texts(data, counter)
            data["other_module"] = other
        elif name != "legend.yaml":
            data = hostile_texts(data, counter)
        if name == "shared.yaml":
            status = data["parameters"]["Status"]
            status["values"] = [
                {"value": v, "text": {"en": f"<{v}> {HOSTILE}", "de": f"<{v}> de {HOSTILE}"}}
                for v in STATUS_VALUES
            ]
        if name == "demo.yaml":
            request = data["operations"][0]["request"]
            rows = {r.get("key"): r for r in request["parameters"]}
            rows["OrderDesc"]["forbidden"] = FORBIDDEN
            rows["Channel"]["values"].append({"value": ODD_VALUE, "text": {"en": "x", "de": "x"}})
            request["rules"][0]["when"]["in"] = ["APP", ODD_VALUE]
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Spec, Path, ModuleType]]:
    tmp = tmp_path_factory.mktemp("hostile")
    write_hostile_spec(tmp / "spec")
    spec = load_spec(tmp / "spec")
    files = {**emit_package(spec, ROOT / "templates"), **emit_schemas(spec)}
    files = format_python(files, ROOT / "pyproject.toml")  # compiles every module first
    write_files(tmp / "out", files)
    with imported_package(tmp / "out", "paygate_hostile") as package:
        yield spec, tmp / "out", package


def test_spec_really_is_hostile(hostile: tuple[Spec, Path, ModuleType]) -> None:
    spec, _, _ = hostile
    p = spec.operations[0].request.parameter("OrderDesc")
    assert p is not None and p.description.en.endswith(HOSTILE)
    assert "\x07" in p.description.en and "\r\n" in p.description.en and "\x00" in HOSTILE


def test_every_module_imports(hostile: tuple[Spec, Path, ModuleType]) -> None:
    _, out, package = hostile
    import importlib

    for name in ("builders", "validators", "results", "codes", "operations", "_iso"):
        module = importlib.import_module(f"{package.__name__}.{name}")
        compile((out / "paygate" / f"{name}.py").read_text(encoding="utf-8"), name, "exec")
        assert module.__doc__


def test_builder_docstrings_hold_the_descriptions(hostile: tuple[Spec, Path, ModuleType]) -> None:
    spec, _, package = hostile
    for op in spec.operations:
        doc = getattr(package.builders, f"build_{fn_name(op.id)}").__doc__
        assert words(op.title.en) in words(doc)
        assert words(op.request.caption.en) in words(doc)
        for p in op.request.parameters:
            if not p.computed:
                assert words(p.description.en) in words(doc), p.key
    assert words(spec.methods[0].title.en) in words(package.__doc__ or "")


def test_validator_docstrings_hold_the_captions(hostile: tuple[Spec, Path, ModuleType]) -> None:
    spec, _, package = hostile
    for msg in spec.messages():
        assert words(msg.caption.en) in words(package.VALIDATORS[msg.id].__doc__)


def attribute_docs(source: str, class_name: str) -> dict[str, str]:
    """Attribute docstrings (the string after a field) of a class, by field name."""
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    out = {}
    for a, b in itertools.pairwise(cls.body):
        if (
            isinstance(b, ast.Expr)
            and isinstance(b.value, ast.Constant)
            and isinstance(b.value.value, str)
        ):
            if isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name):
                out[a.target.id] = b.value.value
            elif isinstance(a, ast.Assign) and isinstance(a.targets[0], ast.Name):
                out[a.targets[0].id] = b.value.value
    return out


def test_result_fields_and_status_members(hostile: tuple[Spec, Path, ModuleType]) -> None:
    spec, out, package = hostile
    source = (out / "paygate" / "results.py").read_text(encoding="utf-8")
    for op in spec.operations:
        fields = attribute_docs(source, op.name.capitalize() + "Result")
        for p in op.result.parameters:
            assert words(p.description.en) in words(fields[p.key]), p.key
    members = attribute_docs(source, "Status")
    status = package.results.Status
    assert [m.value for m in status] == STATUS_VALUES
    assert [m.name for m in status] == ["OK", "FAILED", "IN_PROGRESS", "_3DS", "class_"]
    for m in status:
        assert words(members[m.name]) == words(f"<{m.value}> {HOSTILE}")


def test_issue_texts_are_exact(hostile: tuple[Spec, Path, ModuleType]) -> None:
    spec, _, package = hostile
    msg = spec.operations[0].request
    validate = package.VALIDATORS[msg.id]
    base = {
        "MerchantID": "M1",
        "TransID": "T1",
        "Amount": "100",
        "Currency": "EUR",
        "MAC": "A" * 64,
        "OrderDesc": "goods",
    }
    assert validate(base) == []
    order = msg.parameter("OrderDesc")
    channel = msg.parameter("Channel")
    assert order is not None and channel is not None
    allowed = texts.allowed(spec, msg, order)["forbidden"]
    for c in FORBIDDEN:
        (issue,) = validate({**base, "OrderDesc": f"a{c}b"})
        assert (issue.key, issue.rule, issue.value) == ("OrderDesc", "forbidden", f"a{c}b")
        assert (issue.allowed_en, issue.allowed_de) == (allowed.en, allowed.de)
    assert validate({**base, "OrderDesc": "a b.c:d/e"}) == []  # no forbidden character
    # the odd enum value is a value like any other, and it triggers the rule
    (issue,) = validate({**base, "Channel": ODD_VALUE})
    assert (issue.key, issue.rule) == ("AppID", "condition")
    rule = texts.rule_sentence(msg.rules[0])
    assert (issue.allowed_en, issue.allowed_de) == (rule.en, rule.de)
    (issue,) = validate({**base, "Channel": ODD_VALUE[:-1]})
    enum = texts.allowed(spec, msg, channel)["enum"]
    assert (issue.rule, issue.allowed_en, issue.allowed_de) == ("enum", enum.en, enum.de)
    built = package.builders.build_demo_pay(
        MerchantID="M1",
        TransID="T1",
        Amount=100,
        Currency="EUR",
        OrderDesc="goods",
        Channel=ODD_VALUE,
        AppID="A1",
    )
    assert built["Channel"] == ODD_VALUE


def test_code_texts_are_exact(hostile: tuple[Spec, Path, ModuleType]) -> None:
    spec, _, package = hostile
    sev, text = spec.codes.severities[-1]
    mod, mtext = spec.codes.modules[-1]
    info = package.decode_code(f"{sev}{mod}0001")
    assert (info.severity_en, info.severity_de) == (text.en, text.de)
    assert (info.module_en, info.module_de) == (mtext.en, mtext.de)


def test_schema_texts_are_exact(hostile: tuple[Spec, Path, ModuleType]) -> None:
    spec, out, _ = hostile
    for msg in spec.messages():
        schema = json.loads((out / "schemas" / f"{msg.id}.schema.json").read_text("utf-8"))
        assert schema["description"] == msg.caption.en
        for p in msg.parameters:
            prop = schema["properties"][p.key]
            assert prop["description"] == p.description.en
            assert prop["x-paygate"]["de"] == p.description.de
    request = json.loads(
        (out / "schemas" / "demo.pay.request.schema.json").read_text(encoding="utf-8")
    )
    assert request["properties"]["Channel"]["enum"][-1] == ODD_VALUE
    # the forbidden characters' pattern means the same in JavaScript as in Python
    pattern = request["properties"]["OrderDesc"]["not"]["pattern"]
    texts_ = [f"a{c}b" for c in FORBIDDEN] + ["ab", "a b.c:d/e"]
    expected = [re.search(pattern, t) is not None for t in texts_]
    assert expected == [True] * len(FORBIDDEN) + [False, False]
    found = js_regex_tests([(pattern, t) for t in texts_])
    if found is not None:
        assert found == expected
