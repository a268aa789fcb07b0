"""The `paygate` command: generate, check and lint (more commands join here).

Exit codes: 0 success, 1 findings (stale output, lint errors, failed sets),
2 usage errors or input that cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .generate import GenerateError, Project, check, find_project, render_all, write
from .lint import lint
from .loader import SpecError, load_spec


def _project(root: Path | None) -> Project:
    try:
        return find_project(root)
    except GenerateError as exc:
        raise click.UsageError(str(exc)) from exc


def _load(project: Project):  # type: ignore[no-untyped-def]
    try:
        return load_spec(project.spec)
    except SpecError as exc:
        _spec_failed(exc)


def _spec_failed(exc: SpecError) -> None:
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


@main.command()
@root_option
def generate(root: Path | None) -> None:
    """Regenerate generated/ from spec/ and templates/."""
    project = _project(root)
    spec = _load(project)
    try:
        files = render_all(project, spec)
        changed = write(project, files)
    except GenerateError as exc:
        raise click.ClickException(str(exc)) from exc
    for rel in changed:
        click.echo(f"  wrote generated/{rel}")
    click.echo(f"generated {len(files)} files ({len(changed)} changed) from spec {spec.digest}")


@main.command(name="check")
@root_option
def check_cmd(root: Path | None) -> None:
    """Fail with a unified diff when generated/ is not what spec/ makes."""
    project = _project(root)
    spec = _load(project)
    try:
        files = render_all(project, spec)
    except GenerateError as exc:
        raise click.ClickException(str(exc)) from exc
    diff = check(project, files)
    if diff:
        click.echo(diff, nl=False)
        click.echo("error: generated/ is stale: run `paygate generate` and commit it", err=True)
        sys.exit(1)
    click.echo(f"generated/ is up to date with spec {spec.digest} ({len(files)} files)")


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
