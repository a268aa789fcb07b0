"""`paygate generate` and `paygate check`: staleness, atomic writes, --spec/--output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from emit_helpers import GOLDEN, ROOT, copy_project, snapshot

from generator.cli import main


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def test_check_passes_on_main() -> None:
    paygate = Path(sys.executable).with_name("paygate")
    proc = subprocess.run(
        [str(paygate), "check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout


def test_check_passes_on_a_copy(project: Path) -> None:
    result = run("check", "--root", project)
    assert result.exit_code == 0, result.output


def test_check_reports_a_stale_file_with_a_unified_diff(project: Path) -> None:
    target = project / "generated" / "paygate" / "codes.py"
    data = bytearray(target.read_bytes())
    i = data.index(b"SUCCESS: Final")
    data[i] = ord("X")  # one byte
    target.write_bytes(bytes(data))
    result = run("check", "--root", project)
    assert result.exit_code == 1
    assert "--- a/generated/paygate/codes.py\n+++ b/generated/paygate/codes.py\n" in result.output
    assert "\n-XUCCESS: Final" in result.output
    assert "\n+SUCCESS: Final" in result.output
    assert "generated/ is stale" in result.output
    # Only the edited file is named.
    assert result.output.count("+++ ") == 1


def test_check_reports_deleted_and_extra_files(project: Path) -> None:
    (project / "generated" / "paygate" / "operations.py").unlink()
    (project / "generated" / "paygate" / "py.typed").unlink()  # empty: no diff lines at all
    (project / "generated" / "paygate" / "stray.py").write_text("x = 1\n", encoding="utf-8")
    result = run("check", "--root", project)
    assert result.exit_code == 1
    out = result.output
    assert "--- /dev/null\n+++ b/generated/paygate/operations.py\n" in out
    assert "generated/paygate/py.typed is missing" in out
    assert "--- a/generated/paygate/stray.py\n+++ /dev/null\n" in out
    assert "generated/paygate/stray.py is not made by the generator" in out


def test_generate_repairs_and_is_quiet_when_current(project: Path) -> None:
    gen = project / "generated"
    (gen / "paygate" / "codes.py").write_text("broken\n", encoding="utf-8")
    (gen / "paygate" / "stray.py").write_text("x = 1\n", encoding="utf-8")
    (gen / "paygate" / "errors.py").unlink()
    result = run("generate", "--root", project)
    assert result.exit_code == 0, result.output
    for rel in ("paygate/codes.py", "paygate/errors.py"):
        assert f"wrote generated/{rel}" in result.output
    # A file generate did not make is kept, and said so; check still names it.
    assert "kept generated/paygate/stray.py: not made by paygate generate" in result.output
    assert (gen / "paygate" / "stray.py").read_text(encoding="utf-8") == "x = 1\n"
    stale = run("check", "--root", project)
    assert stale.exit_code == 1
    assert "generated/paygate/stray.py is not made by the generator: move it out" in stale.output
    (gen / "paygate" / "stray.py").unlink()
    assert run("check", "--root", project).exit_code == 0
    # No temporary folders are left behind, and generated/ is readable by others
    # as a plain folder would be (not the 0700 of a temporary folder).
    assert sorted(p.name for p in project.iterdir()) == [
        "generated",
        "pyproject.toml",
        "spec",
        "templates",
    ]
    umask = os.umask(0)
    os.umask(umask)
    assert gen.stat().st_mode & 0o777 == 0o777 & ~umask
    # A second run changes nothing and touches nothing.
    before = {p: p.stat().st_mtime_ns for p in gen.rglob("*")}
    result = run("generate", "--root", project)
    assert result.exit_code == 0
    assert "(0 changed)" in result.output
    assert {p: p.stat().st_mtime_ns for p in gen.rglob("*")} == before


BROKEN_TEMPLATES = {
    "syntax": ("python/codes.py.j2", "{% if %}\n", "codes.py.j2:"),
    "undefined": ("python/validators.py.j2", "{{ no_such_name }}\n", "validators.py.j2:"),
    "bad-python": ("python/operations.py.j2", "def broken(:\n", "paygate/operations.py:"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_TEMPLATES))
def test_generate_is_atomic_when_rendering_fails(project: Path, case: str) -> None:
    name, text, message = BROKEN_TEMPLATES[case]
    (project / "generated" / "paygate" / "codes.py").write_text("stale\n", encoding="utf-8")
    before = snapshot(project / "generated")
    template = project / "templates" / name
    template.write_text(template.read_text(encoding="utf-8") + text, encoding="utf-8")
    result = run("generate", "--root", project)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert "generated/ was left as it was" in result.output
    assert snapshot(project / "generated") == before
    assert sorted(p.name for p in project.iterdir()) == [
        "generated",
        "pyproject.toml",
        "spec",
        "templates",
    ]


def test_template_error_names_file_and_line(project: Path) -> None:
    template = project / "templates" / "python" / "codes.py.j2"
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(4, "{{ no_such_name }}\n")
    template.write_text("".join(lines), encoding="utf-8")
    result = run("check", "--root", project)
    assert result.exit_code == 1
    assert "templates/python/codes.py.j2:5:" in result.output
    assert "no_such_name" in result.output


def test_spec_problem_is_named_under_the_spec_folder_given(tmp_path: Path) -> None:
    spec = tmp_path / "myspec"
    spec.mkdir()
    for f in (GOLDEN / "spec").iterdir():
        (spec / f.name).write_bytes(f.read_bytes())
    demo = spec / "demo.yaml"
    demo.write_text(
        demo.read_text(encoding="utf-8").replace("cnd: C\n", "cnd: X\n", 1), encoding="utf-8"
    )
    result = run("generate", "--root", ROOT, "--spec", spec, "--output", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{spec}/demo.yaml:" in result.output
    assert "'X'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_spec_and_output_options(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("--root", ROOT, "--spec", GOLDEN / "spec", "--output", out)
    result = run("check", *args)
    assert result.exit_code == 1
    assert f"run `paygate generate --spec tests/fixtures/golden/spec --output {out}`" in (
        result.output
    )
    result = run("generate", *args)
    assert result.exit_code == 0, result.output
    assert run("check", *args).exit_code == 0
    # the same bytes as the committed golden record; templates came from the project
    expected = GOLDEN / "expected"
    assert {k: v[0] for k, v in snapshot(out).items() if k != "."} == {
        k: v[0] for k, v in snapshot(expected).items() if k != "."
    }
    # the project's generated/ is not touched
    assert run("check", "--root", ROOT).exit_code == 0


def test_generate_refuses_to_replace_a_foreign_folder(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me\n", encoding="utf-8")
    result = run("generate", "--root", ROOT, "--spec", GOLDEN / "spec", "--output", notes)
    assert result.exit_code == 2
    assert "holds no file made by paygate generate" in result.output
    assert [p.name for p in notes.iterdir()] == ["todo.txt"]
    result = run("generate", "--root", ROOT, "--spec", GOLDEN / "spec", "--output", ROOT.parent)
    assert result.exit_code == 2
    assert "holds the project itself" in result.output
    result = run(
        "generate", "--root", ROOT, "--spec", GOLDEN / "spec", "--output", notes / "todo.txt"
    )
    assert result.exit_code == 2
    assert "is a file" in result.output
    # A folder that cannot be made: its parent is a file.
    result = run(
        "generate", "--root", ROOT, "--spec", GOLDEN / "spec", "--output", notes / "todo.txt" / "x"
    )
    assert result.exit_code == 2
    assert "cannot write" in result.output and "Traceback" not in result.output
    assert (notes / "todo.txt").read_text(encoding="utf-8") == "keep me\n"


def test_generate_imports_only_its_own_rooms(project: Path) -> None:
    """Commands are imported on first use: generate does not load the sandbox or the pages."""
    script = (
        "import sys\n"
        "from generator.cli import main\n"
        "try:\n"
        f"    main(['generate', '--root', {str(project)!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(sorted(m for m in ('generator.sandbox', 'generator.pages', 'generator.diff', "
        "'werkzeug') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for name in ("generate", "check", "lint", "validate", "diff", "import", "audit", "sandbox"):
        assert f"\n  {name} " in result.output
