"""The jinja2 environment: the only room that knows jinja2.

Every spec string reaches generated code through a filter that escapes it for
its destination (Python literal, docstring, JSON, HTML, Markdown), never as raw
template text, so quotes, backslashes, jinja delimiters or newlines in a vendor
description cannot change the code around them.
"""

from __future__ import annotations

import json
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import jinja2


def py(value: object) -> str:
    """A Python literal for a str, int, bool, None, or a tuple/list of them."""
    if isinstance(value, str):
        # repr() always yields a valid literal; prefer double quotes as ruff does.
        r = repr(value)
        if r.startswith("'") and '"' not in value:
            r = '"' + r[1:-1].replace("\\'", "'") + '"'
        return r
    if isinstance(value, (bool, int)) or value is None:
        return repr(value)
    if isinstance(value, (tuple, list)):
        inner = ", ".join(py(v) for v in value)
        return (
            f"({inner},)"
            if isinstance(value, tuple) and len(value) == 1
            else (f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
        )
    raise TypeError(f"no Python literal for {type(value).__name__}")


def doc(value: str, indent: int = 4, width: int = 96) -> str:
    """Text safe inside a triple-quoted docstring, wrapped to the line length."""
    safe = value.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if safe.endswith('"'):
        safe = safe[:-1] + '\\"'
    lines = []
    for para in safe.split("\n"):
        lines.extend(textwrap.wrap(para, width - indent, break_on_hyphens=False) or [""])
    return ("\n" + " " * indent).join(lines)


def comment(value: str) -> str:
    """Text safe inside a one-line # comment."""
    return " ".join(value.split())


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False)


@cache
def environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(py=py, doc=doc, comment=comment, json=to_json)
    return env


def render(templates: Path, name: str, **context: Any) -> str:
    return environment(templates).get_template(name).render(**context)
