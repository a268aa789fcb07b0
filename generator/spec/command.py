"""`paygate lint`, and the options and helpers every command uses to find the spec.

Exit codes: 0 clean, 1 lint errors, 2 usage errors or a spec that does not load.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from .lint import lint
from .loader import SpecError, load_spec
from .model import Spec
from .project import Project, ProjectError, find_project, problem_lines, spec_report

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project folder with spec/ and templates/ (default: found from the current folder).",
)
spec_option = click.option(
    "--spec",
    "spec_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Spec folder to read (default: the project's spec/).",
)


class InputError(click.ClickException):
    """Input that cannot be used as given (a folder, a file): exit 2, as usage errors."""

    exit_code = 2


def project_at(root: Path | None) -> Project:
    """The project at or above ``root`` (or the current folder); a usage error if none."""
    try:
        return find_project(root)
    except ProjectError as exc:
        raise click.UsageError(str(exc)) from exc


def spec_failed(project: Project, exc: SpecError) -> NoReturn:
    """Print every spec problem and exit 2: a spec that does not load is unreadable input."""
    click.echo(spec_report(project, exc), err=True)
    sys.exit(2)


def load_project_spec(
    root: Path | None, spec_dir: Path | None = None, output_dir: Path | None = None
) -> tuple[Project, Spec]:
    """The project with its folders, and its spec loaded; exit 2 on spec problems."""
    project = Project(project_at(root).root, spec_dir, output_dir)
    try:
        return project, load_spec(project.spec)
    except SpecError as exc:
        spec_failed(project, exc)


@click.command(name="lint")
@root_option
@spec_option
def lint_cmd(root: Path | None, spec_dir: Path | None) -> None:
    """Check the spec's consistency beyond its schema; errata are listed as acknowledged.

    --spec DIR lints any spec folder, such as a draft made by `paygate import`
    next to copies of legend.yaml, shared.yaml and codes.yaml.
    """
    if spec_dir is not None:
        folder = spec_dir.as_posix().rstrip("/")
        try:
            spec = load_spec(spec_dir)
        except SpecError as exc:
            for line in problem_lines(folder, exc):
                click.echo(line, err=True)
            n = len(exc.problems)
            click.echo(f"error: the spec has {n} problem{'s' if n != 1 else ''}", err=True)
            sys.exit(2)
    else:
        project, spec = load_project_spec(root)
        folder = project.shown(project.spec)
    findings = lint(spec)
    errors = [f for f in findings if f.acknowledged_by is None]
    for f in findings:
        level = "acknowledged" if f.acknowledged_by else "error"
        click.echo(
            f"{folder}/{f.place}: {level}: [{f.id}] {f.message}"
            + (f" (erratum {f.acknowledged_by})" if f.acknowledged_by else "")
        )
    click.echo(
        f"{len(errors)} error(s), {len(findings) - len(errors)} acknowledged, "
        f"{len(spec.errata)} errata recorded"
    )
    if errors:
        sys.exit(1)
