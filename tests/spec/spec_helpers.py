"""Helpers for the spec tests: a scratch copy of the project's spec to break and load.

Each test works on its own copy under pytest's tmp_path, so the real spec/ is
never touched. The copy is a project folder (spec/ plus a link to templates/)
so that `paygate lint --root <copy>` finds it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from generator.cli import main
from generator.spec.loader import Problem, SpecError, load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"


def make_project(tmp: Path) -> Path:
    """A project folder in ``tmp`` holding a copy of spec/ and a link to templates/."""
    project = tmp / "project"
    shutil.copytree(SPEC, project / "spec")
    (project / "templates").symlink_to(ROOT / "templates", target_is_directory=True)
    return project


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path`` (fails if it is not exactly one)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: {old!r} occurs {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, exact: str, offset: int = 0) -> int:
    """1-based number of the only line of ``path`` whose stripped text is ``exact``."""
    lines = path.read_text(encoding="utf-8").split("\n")
    hits = [n for n, line in enumerate(lines, 1) if line.strip() == exact]
    assert len(hits) == 1, f"{path.name}: line {exact!r} found {len(hits)} times"
    return hits[0] + offset


def load_problems(spec_dir: Path) -> list[Problem]:
    """The problems of a spec that must not load."""
    try:
        load_spec(spec_dir)
    except SpecError as exc:
        assert exc.problems, "SpecError without problems"
        assert str(exc) == "\n".join(str(p) for p in exc.problems)
        return list(exc.problems)
    raise AssertionError(f"{spec_dir} loaded although it is broken")


def run_cli(*args: str) -> Result:
    """Run `paygate ARGS` in-process; any exception other than SystemExit fails the test."""
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"paygate {' '.join(args)} crashed:\n{result.output}") from (
            result.exception
        )
    assert "Traceback" not in result.output
    return result


@dataclass(frozen=True)
class Expected:
    """One problem or finding a test expects: file, line, key and words of its message."""

    file: str
    line: int
    key: str  # the dotted key path for loader problems, the finding ID for lint
    message: str  # a part of the message

    def matches(self, file: str, line: int, key: str, message: str) -> bool:
        return (file, line, key) == (self.file, self.line, self.key) and self.message in message


def _row_path(op_id: str, role: str, field: str, value: str) -> str:
    data = yaml.safe_load((SPEC / "alipayplus.yaml").read_text(encoding="utf-8"))
    for i, op in enumerate(data["operations"]):
        if op["id"] == op_id:
            for j, row in enumerate(op[role]["parameters"]):
                if row.get(field) == value:
                    return f"operations.{i}.{role}.parameters.{j}"
    raise AssertionError(f"no row with {field} {value} in {op_id} {role}")


def row_path(op_id: str, role: str, key: str) -> str:
    """The dotted key path of an explicit row in spec/alipayplus.yaml, read from the YAML."""
    return _row_path(op_id, role, "key", key)


def include_path(op_id: str, role: str, name: str) -> str:
    """The dotted key path of an include row in spec/alipayplus.yaml, read from the YAML."""
    return _row_path(op_id, role, "include", name)
