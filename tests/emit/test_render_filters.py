"""The render filters keep any text intact in its destination (property tests)."""

from __future__ import annotations

import ast

import pytest
from emit_helpers import ROOT, copy_project, words
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.emit.errors import RenderError
from generator.emit.render import comment, doc, py, render

# Any text, weighted toward the characters that matter to Python source.
TRICKY = st.sampled_from(['"', "'", "\\", '"""', "'''", "\n", "\r", "\x00", "\u2028", " ", "{{"])
TEXT = st.lists(st.one_of(st.text(max_size=8), TRICKY), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXT)
@example('ends with a quote "')
@example('ends with a quote and a space " ')
@example('escaped backslash then quote \\"')
@example("x" * 200)
def test_doc_keeps_the_words(text: str) -> None:
    source = f'def f():\n    """{doc(text)}"""\n'
    namespace: dict[str, object] = {}
    exec(compile(source, "<doc>", "exec"), namespace)
    f = namespace["f"]
    assert callable(f)
    assert words(f.__doc__ or "") == words(text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(TEXT, st.integers(), st.booleans(), st.none(), st.lists(TEXT, max_size=3)))
def test_py_literal_round_trips(value: object) -> None:
    assert ast.literal_eval(py(value)) == value
    tupled = tuple(value) if isinstance(value, list) else (value,)
    assert ast.literal_eval(py(tupled)) == tupled


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_comment_stays_one_line(text: str) -> None:
    line = comment(text)
    assert "\n" not in line and "\r" not in line
    compile(f"# {line}\nx = 1\n", "<comment>", "exec")
    assert len(ast.parse(f"# {line}\nx = 1\n").body) == 1


def test_py_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        py(1.5)


def test_render_errors_name_the_template(tmp_path) -> None:  # type: ignore[no-untyped-def]
    project = copy_project(tmp_path / "p")
    templates = project / "templates"
    (templates / "python" / "bad.py.j2").write_text("ok\n{% for %}\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"^templates/python/bad.py.j2:2: template syntax"):
        render(templates, "python/bad.py.j2")
    (templates / "python" / "undef.py.j2").write_text("a\nb\n{{ nope.x }}\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"^templates/python/undef.py.j2:3: UndefinedError"):
        render(templates, "python/undef.py.j2")
    with pytest.raises(RenderError, match="template not found"):
        render(templates, "python/none.py.j2")
    assert render(ROOT / "templates", "python/operations.py.j2", **_operations_context())


def _operations_context() -> dict[str, object]:
    from emit_helpers import real_spec

    from generator.emit.python import operation_views

    spec = real_spec()
    return {"header": "# h\n", "spec": spec, "operations": operation_views(spec)}
