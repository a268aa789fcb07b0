"""`paygate diff`: compare two versions of the spec (folders or git revisions).

    paygate diff OLD_DIR NEW_DIR     two spec folders
    paygate diff HEAD~1              spec/ at a revision vs the working tree
    paygate diff v1.0 v1.1           spec/ at two revisions

An argument that names an existing folder is a folder (a project folder with
spec/ inside counts as its spec/); anything else is a git revision of the
project, whose spec/ is exported with ``git archive`` into a scratch folder.
Exit codes: 0 no change at or above --fail-on, 1 such a change exists,
2 usage errors, unknown revisions or a spec that does not load.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import click

from ..spec.loader import SpecError, load_spec
from ..spec.model import Spec
from ..spec.project import ProjectError, find_project
from .compare import diff_specs
from .render import render_json, render_markdown, render_text
from .rules import LEVELS, at_or_above
from .rules import rules_markdown as _rules_markdown

_COLOURS = {"breaking": "red", "warning": "yellow", "info": "cyan"}


class SourceError(Exception):
    """An argument that is neither a spec folder nor a revision that can be exported."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(f"cannot run git: {exc}") from exc


def export_revision(root: Path, rev: str, dest: Path) -> None:
    """Write the files of <root>/spec at git revision ``rev`` into ``dest``."""
    if not rev or rev.startswith("-"):  # never let a revision pass as a git option
        raise SourceError(f"{rev!r} is not a folder or a git revision")
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise SourceError(
            f"{rev!r} is not a folder, and {root} is not in a git repository to look it up"
        )
    toplevel = Path(top.stdout.decode().strip()).resolve()
    prefix = root.resolve().relative_to(toplevel)
    spec = (prefix / "spec").as_posix()
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if commit.returncode != 0:
        raise SourceError(f"{rev!r} is not a folder, nor a revision of the git repository")
    sha = commit.stdout.decode().strip()
    # Run at the top: "REV:path" names a path from the top, and git archive run
    # inside a subfolder would limit itself to that subfolder.
    archive = _git(toplevel, "archive", "--format=tar", f"{sha}:{spec}")
    if archive.returncode != 0:
        reason = archive.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(
            f"revision {rev} has no {spec}/ folder ({reason[-1] if reason else 'git archive'})"
        )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")


def resolve(arg: str, root: Path | None, scratch: Path, name: str) -> tuple[Path, str]:
    """The spec folder an argument names, and the label its places are shown with."""
    folder = Path(arg)
    if folder.is_dir():
        if not any(folder.glob("*.yaml")) and (folder / "spec").is_dir():
            folder = folder / "spec"
        return folder, folder.as_posix()
    try:
        project = find_project(root)
    except ProjectError as exc:
        raise SourceError(f"{arg!r} is not a folder, and {exc}") from exc
    dest = scratch / name
    dest.mkdir()
    export_revision(project.root, arg, dest)
    return dest, f"{arg}:spec"


def _load(folder: Path, label: str) -> Spec:
    try:
        return load_spec(folder)
    except SpecError as exc:
        for p in exc.problems:
            shown = str(p) if p.place.file.startswith("/") else f"{label}/{p}"
            click.echo(shown, err=True)
        click.echo(
            f"error: the spec {label} does not load ({len(exc.problems)} problem(s))", err=True
        )
        sys.exit(2)


@click.command(name="diff")
@click.argument("versions", nargs=-1, metavar="OLD [NEW]")
@click.option(
    "--fail-on",
    type=click.Choice(LEVELS),
    default="breaking",
    show_default=True,
    help="Exit 1 when a change at or above this level exists.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project folder for revisions and the default NEW (default: found from here).",
)
@click.option("--rules", is_flag=True, help="Print the rule table (docs/diff-rules.md) and exit.")
def diff(
    versions: tuple[str, ...], fail_on: str, output_format: str, root: Path | None, rules: bool
) -> None:
    """Compare two versions of the spec and classify each change.

    OLD and NEW are spec folders or git revisions of this project; NEW defaults
    to the project's spec/ in the working tree. Each change has a stable ID and
    a level (breaking, warning, info): see docs/diff-rules.md.
    """
    if rules:
        click.echo(_rules_markdown(), nl=False)
        return
    if not 1 <= len(versions) <= 2:
        raise click.UsageError("give OLD, or OLD and NEW (spec folders or git revisions)")
    with tempfile.TemporaryDirectory(prefix="paygate-diff-") as tmp:
        scratch = Path(tmp)
        try:
            old_dir, old_label = resolve(versions[0], root, scratch, "old")
            if len(versions) == 2:
                new_dir, new_label = resolve(versions[1], root, scratch, "new")
            else:
                project = find_project(root)
                new_dir = project.spec
                new_label = "spec"
        except (SourceError, ProjectError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        old = _load(old_dir, old_label)
        new = _load(new_dir, new_label)
    changes = diff_specs(old, new, old_label, new_label)
    if output_format == "json":
        click.echo(render_json(changes, fail_on, old_label, new_label))
    elif output_format == "markdown":
        click.echo(render_markdown(changes, fail_on, old_label, new_label), nl=False)
    else:

        def paint(text: str, level: str) -> str:
            return click.style(text, fg=_COLOURS[level], bold=level == "breaking")

        for line in render_text(changes, fail_on, paint):
            click.echo(line)
    sys.exit(1 if any(at_or_above(c.level, fail_on) for c in changes) else 0)
