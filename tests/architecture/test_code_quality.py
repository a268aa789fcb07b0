"""The project's own code keeps the bar it sets for generated code.

ruff (lint and format) over the whole checkout, and mypy --strict over the
generator and the tests, as the developers' guide asks before every change; CI
fails when they do not pass. The generated package is checked in
tests/emit/test_generated_quality.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_ruff_check_and_format() -> None:
    for args in (
        ("ruff", "check", "--no-cache", "."),
        ("ruff", "format", "--check", "--no-cache", "."),
    ):
        proc = run(*args)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_on_the_generator_and_the_tests(tmp_path: Path) -> None:
    proc = run("mypy", "--strict", "--cache-dir", str(tmp_path), "generator", "tests")
    assert proc.returncode == 0, proc.stdout + proc.stderr
