"""`paygate generate` never loses a file it did not make: the manifest of the output folder.

Each test runs the real command on a copy of the project. A file generate once
wrote and no longer makes is removed and listed; any other file is kept as it
is; one in the way of a generated file stops generate before anything changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from emit_helpers import copy_project, snapshot

from generator.cli import main
from generator.emit.generate import MANIFEST, render_all
from generator.spec.project import Project

EXTRA_MODULE = '"""A runtime module that a later version drops."""\n\nVALUE = 1\n'


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def listed(manifest: Path) -> list[str]:
    return [
        line
        for line in manifest.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def test_the_manifest_lists_exactly_what_generate_writes(project: Path) -> None:
    files = render_all(Project(project))
    assert listed(project / "generated" / MANIFEST) == sorted(set(files) - {MANIFEST})
    # every path listed is on disk, and nothing else generate makes is missing from it
    for rel in files:
        assert (project / "generated" / rel).is_file(), rel


def test_generate_removes_a_file_it_once_wrote_and_says_so(project: Path) -> None:
    gen = project / "generated"
    module = project / "templates" / "runtime" / "extra.py"
    module.write_text(EXTRA_MODULE, encoding="utf-8")
    added = run("generate", "--root", project)
    assert added.exit_code == 0, added.output
    assert "wrote generated/paygate/extra.py" in added.output
    assert "paygate/extra.py" in listed(gen / MANIFEST)

    # The user's own files beside the generated ones: top level, in a package folder,
    # a symbolic link and an empty folder.
    (gen / "NOTES.md").write_text("my notes\n", encoding="utf-8")
    (gen / "paygate" / "local.py").write_text("MINE = True\n", encoding="utf-8")
    (gen / "link").symlink_to("NOTES.md")
    (gen / "scratch").mkdir()
    inode = (gen / "NOTES.md").stat().st_ino

    module.unlink()
    result = run("generate", "--root", project)
    assert result.exit_code == 0, result.output
    assert "removed generated/paygate/extra.py" in result.output
    assert "1 removed" in result.output
    assert not (gen / "paygate" / "extra.py").exists()
    assert "paygate/extra.py" not in listed(gen / MANIFEST)
    for rel in ("NOTES.md", "paygate/local.py"):
        assert f"kept generated/{rel}: not made by paygate generate" in result.output
    assert (gen / "NOTES.md").read_text(encoding="utf-8") == "my notes\n"
    assert (gen / "NOTES.md").stat().st_ino == inode  # the same file, not a copy
    assert (gen / "paygate" / "local.py").read_text(encoding="utf-8") == "MINE = True\n"
    assert (gen / "link").is_symlink() and str((gen / "link").readlink()) == "NOTES.md"
    assert (gen / "scratch").is_dir()
    assert "NOTES.md" not in listed(gen / MANIFEST)


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_foreign_file_in_the_way_is_refused_and_nothing_changes(project: Path, kind: str) -> None:
    gen = project / "generated"
    (gen / "paygate" / "codes.py").write_text("stale\n", encoding="utf-8")  # would be rewritten
    if kind == "file":
        (gen / "paygate" / "extra.py").write_text("# my own module\n", encoding="utf-8")
    else:
        (gen / "paygate" / "extra.py").mkdir()
        (gen / "paygate" / "extra.py" / "data.txt").write_text("mine\n", encoding="utf-8")
    (project / "templates" / "runtime" / "extra.py").write_text(EXTRA_MODULE, encoding="utf-8")
    before = snapshot(gen)
    result = run("generate", "--root", project)
    assert result.exit_code == 2, result.output
    assert "in the way of generated files:\n  generated/paygate/extra.py\n" in result.output
    assert "nothing was changed" in result.output and "Traceback" not in result.output
    assert snapshot(gen) == before


def test_a_file_not_listed_but_equal_to_what_generate_writes_is_taken_over(
    project: Path,
) -> None:
    # As after a merge that brought a new generated file but an older manifest.
    gen = project / "generated"
    (project / "templates" / "runtime" / "extra.py").write_text(EXTRA_MODULE, encoding="utf-8")
    want = render_all(Project(project))["paygate/extra.py"]
    (gen / "paygate" / "extra.py").write_text(want, encoding="utf-8")
    result = run("generate", "--root", project)
    assert result.exit_code == 0, result.output
    assert "paygate/extra.py" in listed(gen / MANIFEST)
    assert run("check", "--root", project).exit_code == 0


@pytest.mark.parametrize("entry", ["../outside.txt", "/etc/hostname", "paygate/../../x"])
def test_a_manifest_naming_a_path_outside_the_folder_is_refused(project: Path, entry: str) -> None:
    gen = project / "generated"
    outside = project / "outside.txt"
    outside.write_text("not yours\n", encoding="utf-8")
    with (gen / MANIFEST).open("a", encoding="utf-8") as f:
        f.write(entry + "\n")
    (gen / "paygate" / "codes.py").write_text("stale\n", encoding="utf-8")
    before = snapshot(gen)
    result = run("generate", "--root", project)
    assert result.exit_code == 2, result.output
    assert f"{MANIFEST}:" in result.output and repr(entry) in result.output
    assert snapshot(gen) == before
    assert outside.read_text(encoding="utf-8") == "not yours\n"


def test_a_folder_from_before_the_manifest_keeps_the_users_files(project: Path) -> None:
    # Without a manifest, the files with the generated header count as generate's.
    gen = project / "generated"
    (gen / MANIFEST).unlink()
    (gen / "paygate" / "old_module.py").write_text(
        "# Generated by paygate from spec/ (spec sha256 0).\nX = 1\n", encoding="utf-8"
    )
    (gen / "README.txt").write_text("mine\n", encoding="utf-8")
    result = run("generate", "--root", project)
    assert result.exit_code == 0, result.output
    assert f"wrote generated/{MANIFEST}" in result.output
    assert "removed generated/paygate/old_module.py" in result.output
    assert "kept generated/README.txt" in result.output
    assert (gen / "README.txt").read_text(encoding="utf-8") == "mine\n"
    assert not (gen / "paygate" / "old_module.py").exists()
