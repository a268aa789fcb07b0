"""The generated package is clean code a merchant can ship: lint, format, types, imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from generator_helpers import ROOT

PACKAGE = ROOT / "generated" / "paygate"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_ruff_check() -> None:
    proc = run("ruff", "check", "--no-cache", str(PACKAGE))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format() -> None:
    proc = run("ruff", "format", "--check", "--no-cache", str(PACKAGE))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict(tmp_path: Path) -> None:
    proc = run("mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path), str(PACKAGE))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout


IMPORTS = """
import importlib, pkgutil, sys, json
import paygate
names = [m.name for m in pkgutil.iter_modules(paygate.__path__)]
for name in names:
    importlib.import_module("paygate." + name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in {"jinja2", "yaml", "generator"})
print(json.dumps({"modules": names, "bad": bad, "file": paygate.__file__}))
"""


def test_package_imports_neither_generator_nor_its_tools(tmp_path: Path) -> None:
    # Run outside the project folder, so that its generator/ is not on sys.path.
    one = subprocess.run(
        [
            sys.executable,
            "-c",
            "import paygate, sys; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in {'jinja2','yaml','generator'}))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert one.stdout.strip() == "[]"
    # and with every module of the package imported
    every = subprocess.run(
        [sys.executable, "-c", IMPORTS], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    found = json.loads(every.stdout)
    assert Path(found["file"]).resolve() == (PACKAGE / "__init__.py").resolve()
    assert {"validators", "builders", "results", "codes"} <= set(found["modules"])
    assert found["bad"] == []
