"""`paygate import` and `paygate audit`: read a vendor page, draft a spec file or audit one.

Exit codes: 0 clean, 1 findings (audit differences), 2 usage errors or input
that cannot be read (the page, the spec).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..spec.loader import SpecError, load_spec
from ..spec.model import Spec
from ..spec.project import ProjectError, find_project, problem_lines
from .audit import audit, render_json, render_text
from .draft import Draft, DraftError, draft_spec, write_new
from .parse import Page, PageError, parse_page

# --- Command ----------------------------------------------------------------------------------


def read_page(path: Path) -> Page:
    """Read and parse a page export; raise click.ClickException (exit 2) when unreadable."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise _Unreadable(f"{path}: cannot read the page export: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise _Unreadable(
            f"{path}: byte {exc.start}: not UTF-8 text; export the page as UTF-8 text"
        ) from exc
    try:
        return parse_page(text, source=str(path))
    except PageError as exc:
        raise _Unreadable(str(exc)) from exc


class _Unreadable(click.ClickException):
    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def load_spec_dir(spec_dir: Path | None) -> tuple[Spec, Path]:
    """The spec from ``spec_dir`` or the project's spec/; exit 2 when it cannot be loaded."""
    if spec_dir is None:
        try:
            spec_dir = find_project(None).spec
        except ProjectError as exc:
            raise _Unreadable(f"{exc}; or pass --spec DIR") from exc
    try:
        return load_spec(spec_dir), spec_dir
    except SpecError as exc:
        for line in problem_lines(str(spec_dir), exc):
            click.echo(line, err=True)
        raise _Unreadable(f"the spec in {spec_dir} cannot be loaded") from exc


@click.command(name="import")
@click.argument("page_file", metavar="PAGE.txt", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write <method>.yaml into (created if missing).",
)
@click.option("--method", "method", default=None, help="Method name (default: from the endpoint).")
@click.option(
    "--spec",
    "spec_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Spec folder with the shared library and wording (default: the project's spec/).",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
def import_cmd(
    page_file: Path, output: Path, method: str | None, spec_dir: Path | None, force: bool
) -> None:
    """Write a draft spec file for a Confluence text export of a vendor page.

    Rows the page shows in two versions are written with the newer value and a
    '# changed:' comment; readings that are not certain get a '# CHECK:' comment;
    texts to be written by hand read 'TODO: ...'. A summary goes to stderr.
    """
    page = read_page(page_file)
    spec, _ = load_spec_dir(spec_dir)
    try:
        draft = draft_spec(page, spec, method)
    except DraftError as exc:
        raise click.UsageError(str(exc)) from exc
    target = output / draft.file_name
    try:
        write_new(target, draft.text, force)
    except FileExistsError:
        raise _Unreadable(
            f"{target} exists; the importer never replaces a file: pass --force, or choose "
            "another --output folder"
        ) from None
    except OSError as exc:
        raise _Unreadable(f"{target}: cannot write: {exc.strerror}") from exc
    _summary(draft)
    click.echo(f"wrote {target}")


def _summary(draft: Draft) -> None:
    groups = (
        ("changed", "changes between the page's versions (the newer value is written)"),
        ("ambiguous", "ambiguous (marked '# CHECK:')"),
        ("include-unknown", "includes not in the shared library (marked '# CHECK:')"),
        ("unplaced", "structure the importer could not place (marked '# CHECK:')"),
        ("page-warning", "parser warnings"),
    )
    for kind, title in groups:
        notes = [n for n in draft.notes if n.kind == kind]
        if notes:
            click.echo(f"{len(notes)} {title}:", err=True)
            for n in notes:
                click.echo(f"  {n}", err=True)
    if not draft.notes:
        click.echo("no changed or ambiguous rows", err=True)
    sys.stderr.flush()


@click.command(name="audit")
@click.argument("page_file", metavar="PAGE.txt", type=click.Path(path_type=Path))
@click.option(
    "--spec",
    "spec_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Spec folder to compare with (default: the project's spec/).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json for CI.",
)
def audit_cmd(page_file: Path, spec_dir: Path | None, fmt: str) -> None:
    """Compare a vendor page export with the spec; exit 1 on findings, 2 on unreadable input."""
    page = read_page(page_file)
    spec, folder = load_spec_dir(spec_dir)
    result = audit(page, spec, str(folder))
    click.echo(render_json(result) if fmt == "json" else render_text(result))
    sys.exit(1 if result.errors else 0)
