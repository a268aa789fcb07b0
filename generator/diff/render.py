"""The reports of `paygate diff`: text lines, JSON and Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from .compare import Change
from .rules import LEVELS, at_or_above, cell


def counts(changes: list[Change]) -> dict[str, int]:
    return {lv: sum(1 for c in changes if c.level == lv) for lv in reversed(LEVELS)}


def summary(changes: list[Change], fail_on: str) -> str:
    c = counts(changes)
    parts = ", ".join(f"{n} {lv}" for lv, n in c.items())
    return f"{len(changes)} change(s): {parts} (fails on {fail_on} and above)"


def render_text(
    changes: list[Change], fail_on: str, paint: Callable[[str, str], str] | None = None
) -> Iterator[str]:
    """One line per change: level, ID, what changed, and where in the spec."""
    if paint is None:
        paint = lambda text, level: text  # noqa: E731
    width = max((len(c.id) for c in changes), default=0)
    for c in changes:
        yield f"{paint(f'{c.level:<8}', c.level)} {c.id:<{width}}  {c.text}  [{c.place}]"
    yield summary(changes, fail_on)


def render_json(changes: list[Change], fail_on: str, old: str, new: str) -> str:
    failing = [c for c in changes if at_or_above(c.level, fail_on)]
    doc = {
        "old": old,
        "new": new,
        "fail_on": fail_on,
        "failed": bool(failing),
        "counts": counts(changes),
        "changes": [c.as_dict() for c in changes],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def render_markdown(changes: list[Change], fail_on: str, old: str, new: str) -> str:
    lines = [f"## Spec changes: `{old}` → `{new}`", "", summary(changes, fail_on), ""]
    if changes:
        lines += ["| level | ID | where | change |", "|---|---|---|---|"]
        for c in sorted(changes, key=lambda c: -LEVELS.index(c.level)):
            lines.append(f"| {c.level} | `{c.id}` | `{cell(c.place)}` | {cell(c.text)} |")
    return "\n".join(lines) + "\n"
