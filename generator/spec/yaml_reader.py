"""The project's one YAML reader for data: plain values with the line of every key.

The spec loader composes the spec's own YAML with marks; everything else that
reads YAML (parameter sets for `paygate validate`) reads it here, by the YAML
1.2 core rules: only true/false are booleans, whole numbers stay as written
(``000123`` keeps its zeros), and numbers with a fraction or exponent become
whatever ``number`` makes of their text. Aliases share their value and are never
expanded twice; a cycle or nesting deeper than ``max_depth`` is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class ReadError(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class KeyLines:
    """What the YAML and JSON readers record: the line of every key, and keys given twice."""

    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}
        self.duplicates: list[tuple[Path_, int]] = []

    def note_key(self, mapping: dict[str, object], path: Path_, key: str, line: int) -> None:
        """Record ``key`` of ``mapping`` (at ``path``) before its value is stored."""
        if key in mapping:
            self.duplicates.append(((*path, key), line))
        self.lines[(*path, key)] = line


class _PlainLoader(yaml.SafeLoader):
    """Composes YAML without YAML 1.1's implicit types; this module resolves scalars.

    PyYAML composes nested nodes recursively, so nesting is counted here and
    stopped at ``max_depth`` with the line of the node, before Python's
    recursion limit would end it without one.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class table

    def __init__(self, stream: str, max_depth: int) -> None:
        super().__init__(stream)
        self.max_depth = max_depth
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > self.max_depth + 1:  # the root is depth 0 of the builder
                event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                raise ReadError(line, col, "too-deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)


def _scalar_value(node: yaml.ScalarNode, number: Callable[[str], object]) -> object:
    """YAML 1.2 core rules for plain scalars; quoted and block scalars are text."""
    text: str = node.value
    if node.style is not None:
        return text
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _FLOAT.fullmatch(text):
        return number(text)
    return text  # whole numbers stay as written: TransID 000123 keeps its zeros


class _YamlBuilder(KeyLines):
    """Plain data from composed YAML nodes, with the line of every key."""

    def __init__(self, number: Callable[[str], object], max_depth: int) -> None:
        super().__init__()
        self._number = number
        self._max_depth = max_depth
        self._active: set[int] = set()
        self._built: dict[int, object] = {}
        self._path_of: dict[int, Path_] = {}  # where an anchored node was first built

    def _copy_key_lines(self, node: yaml.Node, path: Path_) -> None:
        """Give the keys of an alias (*base) or merge (<<: *base) the lines of the anchor."""
        source = self._path_of.get(id(node))
        if source is None or not isinstance(node, yaml.MappingNode):
            return
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and (*source, key_node.value) in self.lines:
                self.lines.setdefault(
                    (*path, key_node.value), self.lines[(*source, key_node.value)]
                )

    def build(self, node: yaml.Node, path: Path_, depth: int = 0) -> object:
        line = node.start_mark.line + 1
        if depth > self._max_depth:
            raise ReadError(line, node.start_mark.column + 1, "too-deep")
        if id(node) in self._active:
            raise ReadError(line, node.start_mark.column + 1, "alias-cycle")
        if id(node) in self._built:  # an alias: share the value, do not expand it again
            self._copy_key_lines(node, path)
            return self._built[id(node)]
        self._active.add(id(node))
        self._path_of[id(node)] = path
        out: object
        if isinstance(node, yaml.MappingNode):
            mapping: dict[str, object] = {}
            merged: dict[str, object] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<":
                    # A merge key (<<: *base): its keys fill in what the mapping lacks.
                    sources = (
                        value_node.value
                        if isinstance(value_node, yaml.SequenceNode)
                        else [value_node]
                    )
                    for src in sources:
                        got = self.build(src, path, depth + 1)
                        if isinstance(got, dict):
                            for k, v in got.items():
                                merged.setdefault(k, v)
                        self._copy_key_lines(src, path)
                    continue
                key = self._key(key_node)
                self.note_key(mapping, path, key, key_node.start_mark.line + 1)
                mapping[key] = self.build(value_node, (*path, key), depth + 1)
            for k, v in merged.items():
                mapping.setdefault(k, v)
            out = mapping
        elif isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, i), depth + 1))
            out = items
        else:
            assert isinstance(node, yaml.ScalarNode)
            out = _scalar_value(node, self._number)
        self._active.discard(id(node))
        self._built[id(node)] = out
        return out

    def _key(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        # A mapping or list as a key: keep it visible as text, the validator
        # reports it as an unknown parameter.
        return str(self.build(node, ("?",)))


def read_documents(
    text: str, *, number: Callable[[str], object], max_depth: int
) -> Iterator[tuple[object, KeyLines]]:
    """Each non-empty document of ``text``: its data and the lines of its keys.

    The root's own line is under the empty path ``()``. Raises ``ReadError``
    with line and column (message ``yaml:<problem>``, ``too-deep`` or
    ``alias-cycle``).
    """
    loader = _PlainLoader(text, max_depth)
    try:
        while loader.check_node():
            root = loader.get_node()
            if root is None:
                continue
            b = _YamlBuilder(number, max_depth)
            b.lines[()] = root.start_mark.line + 1
            yield b.build(root, ()), b
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise ReadError(line, col, f"yaml:{problem}") from exc
    finally:
        loader.dispose()
