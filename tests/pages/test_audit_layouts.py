"""`paygate audit` on pages in every layout, and on pages that are no parameter pages.

A page of the spec written in any layout audits clean; each kind of change to
a row shows up as exactly its one finding, where the layout carries what
changed (a one-language page says nothing about the other language). A page
of a method the spec lacks, and pages that are no parameter pages (prose only,
a table of error codes, a truncated export), fail with a message naming the
line, never with a traceback and never with exit 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from page_writer import CARRIES, WRITERS, PageRow, PageSection, sections_of

from generator.pages.audit import audit
from generator.pages.command import audit_cmd, import_cmd
from generator.pages.parse import parse_page
from generator.spec.loader import load_spec
from generator.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"
TWINT = ROOT / "tests" / "fixtures" / "pages" / "twint-rendered.txt"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


def written(spec: Spec, layout: str, change: object = None) -> str:
    sections = sections_of(spec.methods[0])
    if change is not None:
        sections = change(sections)  # type: ignore[operator]
    return WRITERS[layout](sections)


def kinds(spec: Spec, text: str) -> list[tuple[str, str]]:
    result = audit(parse_page(text, "page.txt"), spec)
    return [(f.kind, f.key) for f in result.errors]


def edit_row(key: str, **values: str):  # type: ignore[no-untyped-def]
    """A change to the credit request's row ``key`` (an explicit row in every layout)."""

    def change(sections: tuple[PageSection, ...]) -> tuple[PageSection, ...]:
        out = []
        for s in sections:
            tables = []
            for t in s.tables:
                if t.excerpt == "credit_request":
                    entries = tuple(
                        PageRow(**{**e.__dict__, **values, "include": None})
                        if isinstance(e, PageRow) and e.key == key
                        else e
                        for e in t.entries
                    )
                    t = type(t)(t.role, t.excerpt, t.caption_en, t.caption_de, entries)
                tables.append(t)
            out.append(type(s)(s.title, s.endpoint, tuple(tables)))
        return tuple(out)

    return change


def drop_row(key: str):  # type: ignore[no-untyped-def]
    def change(sections: tuple[PageSection, ...]) -> tuple[PageSection, ...]:
        out = []
        for s in sections:
            tables = tuple(
                type(t)(
                    t.role,
                    t.excerpt,
                    t.caption_en,
                    t.caption_de,
                    tuple(e for e in t.entries if not (isinstance(e, PageRow) and e.key == key)),
                )
                for t in s.tables
            )
            out.append(type(s)(s.title, s.endpoint, tables))
        return tuple(out)

    return change


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_the_spec_in_every_layout_audits_clean(spec: Spec, layout: str) -> None:
    assert kinds(spec, written(spec, layout)) == []


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_each_change_is_its_one_finding_in_every_layout(spec: Spec, layout: str) -> None:
    langs = CARRIES[layout].langs
    cases = [
        (edit_row("Reason", format="ans..128"), [("format-mismatch", "Reason")]),
        (edit_row("Reason", cnd="M"), [("cnd-mismatch", "Reason")]),
        (drop_row("Reason"), [("row-missing-on-page", "Reason")]),
        (
            edit_row("Reason", en="Why the money goes back", de="Grund der Rückzahlung"),
            [(f"text-mismatch-{lang}", "Reason") for lang in ("en", "de") if lang in langs],
        ),
    ]
    for change, expected in cases:
        assert kinds(spec, written(spec, layout, change)) == expected


def test_a_new_row_is_missing_in_the_spec(spec: Spec) -> None:
    def add(sections: tuple[PageSection, ...]) -> tuple[PageSection, ...]:
        s = sections[2]
        t = s.tables[0]
        new = PageRow("Refund2", "ans..8", "O", "Second reason", "Zweiter Grund")
        t2 = type(t)(t.role, t.excerpt, t.caption_en, t.caption_de, (*t.entries, new))
        return (*sections[:2], type(s)(s.title, s.endpoint, (t2, s.tables[1])), *sections[3:])

    for layout in ("rendered", "pipes", "english"):
        assert kinds(spec, written(spec, layout, add)) == [("row-missing-in-spec", "Refund2")]


def run(command: object, *args: str) -> Result:
    result = CliRunner().invoke(command, list(args))  # type: ignore[arg-type]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def test_a_page_of_a_method_the_spec_lacks_says_so(tmp_path: Path) -> None:
    result = run(audit_cmd, str(TWINT), "--spec", str(SPEC))
    assert result.exit_code == 1
    assert "twint.aspx, which no method of the spec has" in result.stderr


def test_method_option_compares_anyway(tmp_path: Path) -> None:
    result = run(audit_cmd, str(TWINT), "--spec", str(SPEC), "--method", "alipayplus")
    assert result.exit_code == 1
    assert "endpoint-mismatch" in result.stdout
    result = run(audit_cmd, str(TWINT), "--spec", str(SPEC), "--method", "nosuch")
    assert result.exit_code == 1 and "the spec has no method 'nosuch'" in result.stderr


def test_audit_finds_the_method_among_several(tmp_path: Path) -> None:
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    for f in SPEC.glob("*.yaml"):
        (spec_dir / f.name).write_bytes(f.read_bytes())
    (spec_dir / "twint.yaml").write_bytes(
        (ROOT / "tests" / "fixtures" / "multi" / "twint.yaml").read_bytes()
    )
    result = run(audit_cmd, str(TWINT), "--spec", str(spec_dir))
    assert result.exit_code == 0, result.output
    assert "(method twint)" in result.stdout
    seed = ROOT / "tests" / "fixtures" / "vendor" / "alipayplus-page.txt"
    result = run(audit_cmd, str(seed), "--spec", str(spec_dir))
    assert result.exit_code == 0 and "(method alipayplus)" in result.stdout


PROSE = "About Alipay+\n\nAlipay+ is a wallet.\n\nIt has many users.\n"
ERROR_CODES = (
    "A4 Error codes\n\nThe following table lists the codes:\n\n"
    "Code | Description | Beschreibung |\n---|\n"
    "00000000 | success | erfolgreich |\n21000001 | format error | Formatfehler |\n"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PROSE, "line 6: end of input without any parameter table"),
        ("", "line 1: end of input without any parameter table"),
        (ERROR_CODES, "line 5 looks like a table header without Key, Format and CND"),
    ],
    ids=["prose", "empty", "error-codes"],
)
@pytest.mark.parametrize("command", [import_cmd, audit_cmd], ids=["import", "audit"])
def test_pages_without_a_parameter_table_fail_naming_the_line(
    tmp_path: Path, command: object, content: str, message: str
) -> None:
    page = tmp_path / "page.txt"
    page.write_text(content, encoding="utf-8")
    args = [str(page), "--spec", str(SPEC)]
    if command is import_cmd:
        args += ["--output", str(tmp_path / "out")]
    result = run(command, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_truncated_page_writes_no_draft(tmp_path: Path, spec: Spec) -> None:
    text = written(spec, "rendered")
    cut = text[: text.index("ErrorText")]  # in the middle of the reversal result table
    page = tmp_path / "page.txt"
    page.write_text(cut, encoding="utf-8")
    result = run(import_cmd, str(page), "--spec", str(SPEC), "--output", str(tmp_path / "out"))
    assert result.exit_code == 1
    line = cut.count("\n") + 1
    assert f"line {line}: the page ends inside the table" in result.stderr
    assert "truncated" in result.stderr
    assert not (tmp_path / "out").exists()
    result = run(audit_cmd, str(page), "--spec", str(SPEC))
    assert result.exit_code == 1 and "page-problem" in result.stdout
