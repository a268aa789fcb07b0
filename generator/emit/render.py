"""The jinja2 environment: the only room that knows jinja2.

Every spec string reaches generated code through a filter that escapes it for
its destination (Python literal, docstring, comment, JSON), never as raw
template text, so quotes, backslashes, jinja delimiters or newlines in a vendor
description cannot change the code around them. Template mistakes surface as
RenderError naming the template file and line, never as a jinja2 traceback.
"""

from __future__ import annotations

import functools
import json
import textwrap
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2

from . import cache
from .errors import GenerateError, RenderError


def py(value: object) -> str:
    """A Python literal for a str, int, bool, None, or a tuple/list of them."""
    if isinstance(value, str):
        # repr() always yields a valid literal (control characters, U+2028 and
        # friends come out as escapes); prefer double quotes as ruff does.
        r = repr(value)
        if r.startswith("'") and '"' not in value:
            r = '"' + r[1:-1].replace("\\'", "'") + '"'
        return r
    if isinstance(value, (bool, int)) or value is None:
        return repr(value)
    if isinstance(value, (tuple, list)):
        inner = ", ".join(py(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    raise TypeError(f"no Python literal for {type(value).__name__}")


def _escape_char(c: str) -> str:
    """An escape sequence for a character that must not appear raw in source text.

    Control characters (NUL is not even allowed in a source file) and the
    characters str.splitlines() treats as line ends would change the line
    structure of the generated file; inside a docstring or string literal the
    escape yields the very same character at run time.
    """
    if c in "\n\t":
        return c
    if unicodedata.category(c) in ("Cc", "Zl", "Zp"):
        n = ord(c)
        return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"
    return c


def doc(value: str, indent: int = 4, width: int = 96, start: int | None = None) -> str:
    """Text safe inside a triple-quoted (non-raw) docstring, wrapped to the line length.

    ``indent`` is the column of the lines after the first; ``start`` the column
    where the text begins on the first line (default: just after an opening
    triple quote at ``indent``). The docstring holds the same words as
    ``value``; only the whitespace between them may change by wrapping.
    """
    safe = value.replace("\\", "\\\\")
    safe = "".join(_escape_char(c) for c in safe)
    safe = safe.replace('"""', '\\"\\"\\"')
    first = indent + 3 if start is None else start
    lines: list[str] = []
    for para in safe.split("\n"):
        lead = first if not lines else indent
        wrapped = textwrap.wrap(
            para,
            width,
            initial_indent=" " * lead,
            subsequent_indent=" " * indent,
            break_on_hyphens=False,
            break_long_words=False,  # a long URL stays one word instead of being cut
        )
        lines.extend(wrapped or [""])
    lines[0] = lines[0][first:]
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    text = "\n".join(lines)
    # A quote right before the closing quotes would end the docstring early;
    # it is unescaped when an even number of backslashes precedes it.
    if text.endswith('"') and (len(text) - 1 - len(text[:-1].rstrip("\\"))) % 2 == 0:
        text = text[:-1] + '\\"'
    return text


def comment(value: str) -> str:
    """Text safe inside a one-line # comment."""
    return "".join(_escape_char(c) for c in " ".join(value.split()))


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False)


def _bytecode_cache(kind: str) -> jinja2.BytecodeCache | None:
    """Compiled templates, one folder per kind of environment (code, Markdown, HTML).

    The same template compiles differently under each environment's settings,
    so they do not share entries. jinja2 keys an entry by the template's name
    and file and keeps the checksum of its source: an edited template is
    compiled anew. Only the newest entries are kept.
    """
    where = cache.subfolder(f"jinja2-{jinja2.__version__}-{kind}")
    if where is None:
        return None
    cache.prune(where, "*.cache", keep=256)
    return jinja2.FileSystemBytecodeCache(str(where))


@functools.cache
def environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        bytecode_cache=_bytecode_cache("code"),
    )
    env.filters.update(py=py, doc=doc, comment=comment, json=to_json)
    return env


def _template_line(exc: BaseException, templates: Path) -> str:
    """file:line of the innermost template frame in a rendering traceback."""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            where = f"{_shown(Path(name), templates)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def _shown(path: Path, templates: Path) -> str:
    try:
        return (templates.name / path.resolve().relative_to(templates.resolve())).as_posix()
    except ValueError:
        return str(path)


def docs_environments(
    templates: Path,
    *,
    finalize: Callable[[object], object],
    common: Mapping[str, Callable[..., Any]],
    markdown: Mapping[str, Callable[..., Any]],
    html: Mapping[str, Callable[..., Any]],
) -> tuple[jinja2.Environment, jinja2.Environment]:
    """Markdown and HTML environments: the code environment with docs escaping.

    Markdown output passes through ``finalize``; HTML autoescapes. Both get the
    ``common`` filters and ``t`` (the text of the page's language, ``lang`` in
    the context); each gets its own filters on top.
    """
    base = environment(templates)
    md_env = base.overlay(finalize=finalize, cache_size=50, bytecode_cache=_bytecode_cache("md"))
    html_env = base.overlay(autoescape=True, cache_size=50, bytecode_cache=_bytecode_cache("html"))
    for env, own in ((md_env, markdown), (html_env, html)):
        # A copy: the shared environment of the code templates stays as it is.
        env.filters = {**base.filters, **common, "t": _in_language, **own}
    return md_env, html_env


@jinja2.pass_context
def _in_language(ctx: jinja2.runtime.Context, value: Any) -> str:
    """A bilingual text (anything with ``.get(lang)``) in the page's language."""
    return str(value.get(str(ctx["lang"])))


def render(templates: Path, name: str, **context: Any) -> str:
    """Render one code template; any failure becomes a RenderError naming file:line."""
    return render_in(environment(templates), templates, name, **context)


def render_in(env: jinja2.Environment, templates: Path, name: str, **context: Any) -> str:
    """Render template ``name`` of ``env``; a failure is a RenderError naming file:line.

    An error a filter raises on purpose (a GenerateError) keeps its text; any
    other exception is named by its type.
    """
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        path = Path(exc.filename) if exc.filename else templates / name
        raise RenderError(
            f"{_shown(path, templates)}:{exc.lineno}: template syntax error: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"{templates.name}/{exc.name}: template not found") from None
    except Exception as exc:  # an undefined name, a failing filter, ...
        where = _template_line(exc, templates) or f"{templates.name}/{name}"
        kind = "" if isinstance(exc, GenerateError) else f"{type(exc).__name__}: "
        raise RenderError(f"{where}: {kind}{exc}") from None
