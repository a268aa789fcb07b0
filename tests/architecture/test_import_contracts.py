"""The rooms of the generator keep their shape: import-linter's contracts hold, and break.

The contracts live in pyproject.toml (``[tool.importlinter]``). Each mutant adds
one import a room must not make to a copy of the code and shows that the named
contract catches it, so a contract that stopped checking would fail here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_contracts_hold() -> None:
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout
    assert proc.stdout.count(" KEPT") == 7


MUTANTS = [
    # (file, added line, the contract that must break)
    ("generator/sandbox/server.py", "import generator.spec.model", "sandbox plays Paygate"),
    ("generator/pages/audit.py", "import generator.emit.render", "cli on top"),
    ("generator/validate/check.py", "import generator.diff.rules", "cli on top"),
    ("generator/spec/model.py", "import generator.cli", "nothing but the entry point"),
    ("generator/validate/input.py", "import yaml", "YAML is read in spec"),
    ("generator/pages/parse.py", "import jinja2", "only module that knows jinja2"),
    ("generator/emit/docs.py", "import jinja2", "only module that knows jinja2"),
    ("paygate/client.py", "import generator.spec", "what a merchant ships"),
    ("generator/emit/errors.py", "from . import generate", "no import cycles"),
]


@pytest.mark.parametrize(("file", "line", "contract"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, file: str, line: str, contract: str
) -> None:
    shutil.copytree(ROOT / "generator", tmp_path / "generator")
    shutil.copytree(ROOT / "generated" / "paygate", tmp_path / "paygate")
    target = tmp_path / file
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", "utf-8")
    proc = lint_imports(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    broken = [ln for ln in proc.stdout.splitlines() if ln.endswith(" BROKEN")]
    assert any(contract in ln for ln in broken), proc.stdout
