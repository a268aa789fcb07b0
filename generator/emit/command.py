"""`paygate generate` and `paygate check`: write generated/, or show how it is stale.

Exit codes: 0 done or current; 1 generated/ is stale, or a template does not
render; 2 usage errors, a spec that does not load, or an output folder that
cannot take the files (someone else's folder or file in the way, unwritable).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..spec.command import InputError, load_project_spec, root_option, spec_option
from .errors import GenerateError, OutputRefused
from .generate import check, render_all, write

output_option = click.option(
    "--output",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the project's generated/). Templates always come "
    "from the project.",
)


@click.command()
@root_option
@spec_option
@output_option
def generate(root: Path | None, spec_dir: Path | None, output_dir: Path | None) -> None:
    """Regenerate generated/ from spec/ and templates/ (all files or none).

    The golden record of the tests is regenerated with
    `paygate generate --spec tests/fixtures/golden/spec --output tests/fixtures/golden/expected`.
    """
    project, spec = load_project_spec(root, spec_dir, output_dir)
    folder = project.shown(project.generated)
    try:
        files = render_all(project, spec)
        done = write(project, files)
    except OutputRefused as exc:
        raise InputError(str(exc)) from None
    except GenerateError as exc:
        raise click.ClickException(f"{exc}\n{folder}/ was left as it was") from None
    except OSError as exc:
        raise InputError(f"cannot write {folder}/: {exc}\n{folder}/ was left as it was") from None
    for rel in done.wrote:
        click.echo(f"  wrote {folder}/{rel}")
    for rel in done.removed:
        click.echo(f"  removed {folder}/{rel}")
    for rel in done.kept:
        click.echo(f"  kept {folder}/{rel}: not made by paygate generate (check reports it)")
    removed = f", {len(done.removed)} removed" if done.removed else ""
    click.echo(
        f"generated {len(files)} files ({len(done.wrote)} changed{removed}) from spec {spec.digest}"
    )


@click.command(name="check")
@root_option
@spec_option
@output_option
def check_cmd(root: Path | None, spec_dir: Path | None, output_dir: Path | None) -> None:
    """Fail with a unified diff when generated/ is not what spec/ makes."""
    project, spec = load_project_spec(root, spec_dir, output_dir)
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
