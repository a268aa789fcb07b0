"""`paygate import` and `paygate audit`: read a vendor page, draft a spec file or audit one.

Exit codes: 0 clean; 1 findings: audit differences, a page with no parameter
table, a table without rows, a truncated page, a page of a method the spec
lacks (audit); 2 usage errors or input that cannot be read (the file, the spec).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..spec.loader import SpecError, load_spec
from ..spec.model import Spec
from ..spec.project import ProjectError, find_project, problem_lines
from .audit import AuditError, audit, render_json, render_text
from .draft import Draft, DraftError, draft_spec, write_new
from .model import Page, PageError
from .parse import parse_page


def read_page(path: Path) -> Page:
    """Read a page; exit 2 when the file is unreadable, 1 when it holds no parameter table."""
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
        raise _Finding(str(exc)) from exc


class _Unreadable(click.ClickException):
    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.message}", err=True)


class _Finding(_Unreadable):
    """The input was read, and what it holds is wrong: exit 1."""

    exit_code = 1


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
    """Write a draft spec file from a vendor page in any of its layouts.

    The page may be a Confluence export (plain or "Versions Compared"), the
    rendered page text, pipe rows, or tables in one language. Rows the page
    shows in two versions are written with the newer value and a '# changed:'
    comment; readings that are not certain get a '# CHECK:' comment; texts to be
    written by hand read 'TODO: ...'. A summary (rows per table, every line
    passed over) goes to stderr. A page without a parameter table, a table
    without rows or a truncated page writes nothing and exits 1.
    """
    page = read_page(page_file)
    if page.problems:
        for line in _layout_lines(page):
            click.echo(line, err=True)
        raise _Finding(
            f"{page_file}: no draft written:\n" + "\n".join(f"  {p}" for p in page.problems)
        )
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
    _summary(page, draft)
    click.echo(f"wrote {target}")


def _layout_lines(page: Page) -> list[str]:
    """How the page was read, and every run of lines passed over as structure."""
    out = [f"read {page.source} as: {', '.join(page.layouts) or 'no known layout'}"]
    kinds: dict[str, list[str]] = {}
    for run in page.ignored:
        where = str(run.first) if run.first == run.last else f"{run.first}-{run.last}"
        kinds.setdefault(run.kind, []).append(where)
    for kind, places in kinds.items():
        out.append(f"passed over as {kind}: lines {', '.join(places)}")
    return out


def _summary(page: Page, draft: Draft) -> None:
    for line in _layout_lines(page):
        click.echo(line, err=True)
    click.echo(f"{len(draft.counts)} table(s):", err=True)
    for c in draft.counts:
        parts = [f"{c.includes} included", f"{c.explicit} written out"]
        if c.headings:
            parts.append(f"{c.headings} heading(s)")
        click.echo(
            f"  {c.message} (page line {c.line}): {c.rows} row(s): {', '.join(parts)}", err=True
        )
    groups = (
        ("skipped", "lines inside tables that are no part of any row"),
        ("changed", "changes between the page's versions (the newer value is written)"),
        ("ambiguous", "ambiguous (marked '# CHECK:')"),
        ("shared", "rows compared with the shared library (marked '# CHECK:')"),
        ("include-unknown", "includes not in the shared library (marked '# CHECK:')"),
        ("unplaced", "structure the importer could not place (marked '# CHECK:')"),
        ("page-warning", "reader warnings"),
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
@click.option(
    "--method",
    "method",
    default=None,
    help="The spec method the page documents (default: found by the page's endpoints).",
)
def audit_cmd(page_file: Path, spec_dir: Path | None, fmt: str, method: str | None) -> None:
    """Compare a vendor page (any layout) with the spec, row by row.

    The spec method is found by the page's payment endpoint (or --method).
    Exit 1 on findings or a page of a method the spec lacks, 2 on unreadable input.
    """
    page = read_page(page_file)
    spec, folder = load_spec_dir(spec_dir)
    try:
        result = audit(page, spec, str(folder), method)
    except AuditError as exc:
        raise _Finding(f"{page_file}: {exc}") from exc
    click.echo(render_json(result) if fmt == "json" else render_text(result))
    sys.exit(1 if result.errors else 0)
