"""The `paygate` command: generate, check, lint, validate, diff, import, audit, sandbox.

Exit codes: 0 success, 1 findings (stale output, lint errors, failed sets),
2 usage errors or input that cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from .audit import audit_cmd
from .diff_cmd import diff
from .generate import (
    GenerateError,
    Project,
    check,
    find_project,
    render_all,
    spec_report,
    write,
)
from .importer import import_cmd
from .lint import lint
from .loader import SpecError, load_spec
from .model import Spec
from .sandbox_cli import sandbox
from .validate_cmd import validate


def _project(root: Path | None) -> Project:
    try:
        return find_project(root)
    except GenerateError as exc:
        raise click.UsageError(str(exc)) from exc


def _load(project: Project) -> Spec:
    try:
        return load_spec(project.spec)
    except SpecError as exc:
        _spec_failed(exc)


def _spec_failed(exc: SpecError) -> NoReturn:
    for p in exc.problems:
        click.echo(f"spec/{p}" if not p.place.file.startswith("/") else str(p), err=True)
    n = len(exc.problems)
    click.echo(f"error: the spec has {n} problem{'s' if n != 1 else ''}", err=True)
    sys.exit(2)


root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project folder with spec/ and templates/ (default: found from the current folder).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paygate")
def main() -> None:
    """Spec-driven client generator for Computop Paygate's Alipay+ API."""


spec_option = click.option(
    "--spec",
    "spec_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Spec folder to read (default: the project's spec/).",
)
output_option = click.option(
    "--output",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the project's generated/). Templates always come "
    "from the project.",
)


def _project_and_spec(
    root: Path | None, spec_dir: Path | None, output_dir: Path | None
) -> tuple[Project, Spec]:
    """The project with its folders, and its spec loaded; exit 2 on spec problems."""
    project = Project(_project(root).root, spec_dir, output_dir)
    try:
        return project, load_spec(project.spec)
    except SpecError as exc:
        click.echo(spec_report(project, exc), err=True)
        sys.exit(2)


@main.command()
@root_option
@spec_option
@output_option
def generate(root: Path | None, spec_dir: Path | None, output_dir: Path | None) -> None:
    """Regenerate generated/ from spec/ and templates/ (all files or none).

    The golden record of the tests is regenerated with
    `paygate generate --spec tests/fixtures/golden/spec --output tests/fixtures/golden/expected`.
    """
    project, spec = _project_and_spec(root, spec_dir, output_dir)
    folder = project.shown(project.generated)
    try:
        files = render_all(project, spec)
        changed = write(project, files)
    except GenerateError as exc:
        raise click.ClickException(f"{exc}\n{folder}/ was left as it was") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {folder}/: {exc}") from None
    for rel in changed:
        click.echo(f"  wrote {folder}/{rel}")
    click.echo(f"generated {len(files)} files ({len(changed)} changed) from spec {spec.digest}")


@main.command(name="check")
@root_option
@spec_option
@output_option
def check_cmd(root: Path | None, spec_dir: Path | None, output_dir: Path | None) -> None:
    """Fail with a unified diff when generated/ is not what spec/ makes."""
    project, spec = _project_and_spec(root, spec_dir, output_dir)
    folder = project.shown(project.generated)
    try:
        files = render_all(project, spec)
    except GenerateError as exc:
        raise click.ClickException(str(exc)) from None
    diff = check(project, files)
    if diff:
        click.echo(diff, nl=False)
        hint = (
            "paygate generate"
            + (f" --spec {project.shown(project.spec)}" if spec_dir is not None else "")
            + (f" --output {folder}" if output_dir is not None else "")
        )
        click.echo(f"error: {folder}/ is stale: run `{hint}` and commit it", err=True)
        sys.exit(1)
    click.echo(f"{folder}/ is up to date with spec {spec.digest} ({len(files)} files)")


@main.command(name="lint")
@root_option
def lint_cmd(root: Path | None) -> None:
    """Check the spec's consistency beyond its schema; errata are listed as acknowledged."""
    project = _project(root)
    spec = _load(project)
    findings = lint(spec)
    errors = [f for f in findings if f.acknowledged_by is None]
    for f in findings:
        level = "acknowledged" if f.acknowledged_by else "error"
        click.echo(
            f"spec/{f.place}: {level}: [{f.id}] {f.message}"
            + (f" (erratum {f.acknowledged_by})" if f.acknowledged_by else "")
        )
    click.echo(
        f"{len(errors)} error(s), {len(findings) - len(errors)} acknowledged, "
        f"{len(spec.errata)} errata recorded"
    )
    if errors:
        sys.exit(1)


for command in (validate, diff, import_cmd, audit_cmd, sandbox):
    main.add_command(command)

if __name__ == "__main__":
    main()
