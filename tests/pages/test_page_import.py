"""Tests of `paygate import` (generator/pages/draft.py): a draft spec from the vendor page export.

The draft of the seed page is compared with the real spec in spec/: both encode the same page,
so operations, endpoints, row keys, headings and MAC strings must agree.
"""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from generator.pages.command import import_cmd
from generator.pages.draft import (
    TODO_MISSING,
    TODO_TRANSLATE,
    draft_spec,
    yaml_name,
    yaml_str,
)
from generator.pages.model import Page, Row
from generator.pages.parse import parse_page
from generator.spec.lint import lint
from generator.spec.loader import SpecError, load_spec
from generator.spec.model import Heading, Message, Spec

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "fixtures" / "vendor" / "alipayplus-page.txt"
SPEC = ROOT / "spec"
LIBRARY_FILES = ("legend.yaml", "shared.yaml", "codes.yaml")


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(seed_text: str) -> Page:
    return parse_page(seed_text, source=str(SEED))


@pytest.fixture(scope="module")
def real_spec() -> Spec:
    return load_spec(SPEC)


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, (old, text.count(old))
    return text.replace(old, new)


def run_import(page_file: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        import_cmd, [str(page_file), "--output", str(out), "--spec", str(SPEC), *extra]
    )
    assert "Traceback" not in result.output
    return result


def spec_folder_with(tmp: Path, draft: Path) -> Path:
    """A spec folder: the draft next to the real legend, shared library and codes."""
    folder = tmp / "spec"
    folder.mkdir()
    for name in LIBRARY_FILES:
        shutil.copy(SPEC / name, folder / name)
    shutil.copy(draft, folder / draft.name)
    return folder


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The seed page imported once by the CLI: (draft file, stderr)."""
    out = tmp_path_factory.mktemp("draft")
    result = run_import(SEED, out)
    assert result.exit_code == 0, result.output
    return out / "alipayplus.yaml", result.stderr


@pytest.fixture(scope="module")
def draft(imported: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Spec:
    return load_spec(spec_folder_with(tmp_path_factory.mktemp("spec"), imported[0]))


def page_rows(page: Page) -> list[Row]:
    return [e for s in page.sections for t in s.tables for e in t.entries if isinstance(e, Row)]


def shape(msg: Message) -> list[str]:
    return [e.text.en if isinstance(e, Heading) else e.key for e in msg.entries]


# --- The seed draft against spec/ -----------------------------------------------------------


def test_draft_has_the_specs_operations_endpoints_and_rows(draft: Spec, real_spec: Spec) -> None:
    assert [m.name for m in draft.methods] == ["alipayplus"]
    assert [(op.id, op.endpoint, op.transport) for op in draft.operations] == [
        (op.id, op.endpoint, op.transport) for op in real_spec.operations
    ]
    for mine, real in zip(draft.messages(), real_spec.messages(), strict=True):
        assert (mine.id, mine.excerpt) == (real.id, real.excerpt)
        assert shape(mine) == shape(real), mine.id  # row keys and headings, in order
        assert [p.include for p in mine.parameters] == [p.include for p in real.parameters]
        assert mine.mac == real.mac, mine.id
        assert mine.caption.en == real.caption.en
        assert mine.caption.de == TODO_TRANSLATE


def test_draft_rows_carry_the_pages_values(draft: Spec, real_spec: Spec) -> None:
    # Explicit rows: format and CND as published; texts with {{Helpdesk-Name}} expanded.
    # sdLastName's German text is merged on the page and stays so (see the CHECK test).
    for mine, real in zip(draft.messages(), real_spec.messages(), strict=True):
        for p, q in zip(mine.parameters, real.parameters, strict=True):
            if q.include is not None:
                continue
            assert (p.format.raw, p.cnd) == (q.format.raw, q.cnd), p.key
            assert p.enforced == p.format  # enforce: is a decision, never imported
            if p.key not in ("terminalType", "sdLastName"):
                assert p.description == q.description, p.key
    error_text = draft.message("alipayplus.credit.result").parameter("ErrorText")
    assert error_text is not None and "Computop Helpdesk" in error_text.description.en


def test_draft_lint_findings_are_the_missing_rules(draft: Spec, page: Page) -> None:
    all_findings = [f for f in lint(draft) if f.place.file == "alipayplus.yaml"]
    # The draft's TODO markers are flagged, so an unfinished draft cannot lint clean.
    todo = [f for f in all_findings if f.id == "todo-text"]
    assert todo and all("TODO:" in f.message for f in todo)
    # Apart from them, the only gap is that the page's C rows need rules, which the
    # page states in prose only.
    findings = [f for f in all_findings if f.id != "todo-text"]
    assert {f.id for f in findings} == {"conditional-without-rule"}
    c_rows = [r.key for r in page_rows(page) if r.cnd == "C"]
    assert sorted(f.message.split(": ")[1].split(" ")[0] for f in findings) == sorted(c_rows)


def test_draft_titles_and_texts_use_the_markers(imported: tuple[Path, str]) -> None:
    data = yaml.safe_load(imported[0].read_text(encoding="utf-8"))
    assert data["title"] == {"en": TODO_MISSING, "de": TODO_TRANSLATE}
    assert data["operations"][1]["title"] == {"en": "Reversal", "de": TODO_TRANSLATE}
    assert data["operations"][0]["section"] == (
        "Calling the interface for an Alipay+ Cashier payment"
    )
    assert data["base_url"] == "https://www.computop-paygate.com/"


def line_with(lines: list[str], text: str) -> int:
    hits = [i for i, line in enumerate(lines) if line.strip() == text]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def test_changed_rows_are_newer_with_both_values(imported: tuple[Path, str], page: Page) -> None:
    lines = imported[0].read_text(encoding="utf-8").split("\n")
    endpoint = line_with(
        lines, "endpoint: alipayplus.aspx  # changed: 'alipay.aspx' -> 'alipayplus.aspx'"
    )
    assert lines[endpoint - 3].strip() == "- id: alipayplus.payment"
    line_with(lines, "- key: terminalType  # changed: 'Device' -> 'terminalType'")
    for key in ("sdFirstName", "sdLastName", "sdcountryCode"):
        k = line_with(lines, f"- key: {key}")
        assert lines[k + 2].strip() == "cnd: C  # changed: 'O' -> 'C'"
    k = line_with(lines, "- key: sdLastName")
    assert lines[k + 4].strip() == (
        "# changed: 'Last name' -> "
        "'Last name, if present sdFirstName & sdcountryCode are also mandatory'"
    )


def test_ambiguous_rows_get_the_parsers_note(imported: tuple[Path, str], page: Page) -> None:
    lines = imported[0].read_text(encoding="utf-8").split("\n")
    ambiguous = [r for r in page_rows(page) if r.ambiguous]
    assert {r.key for r in ambiguous} == {
        "terminalType",
        "sdFirstName",
        "sdLastName",
        "sdcountryCode",
    }
    for row in ambiguous:
        k = next(i for i, line in enumerate(lines) if line.strip().startswith(f"- key: {row.key}"))
        assert lines[k - 1].strip() == f"# CHECK: page line {row.line}: {row.note}"
    checks = [line.strip() for line in lines if line.strip().startswith("# CHECK:")]
    # Besides those, one explicit row shares a key with the library but not its texts:
    # the inquire result's Status, which the vendor wrote out for its own value list.
    (shared,) = [c for c in checks if "shared key" in c]
    assert shared.startswith("# CHECK: page line 1019: Status is a shared key, but it differs")
    assert "in the EN text, the DE text" in shared
    assert len(checks) == len(ambiguous) + 1  # nothing else is uncertain on the seed page


def test_summary_on_stderr(imported: tuple[Path, str], page: Page) -> None:
    stderr = imported[1]
    rows = page_rows(page)
    changes = sum(len(r.changes) for r in rows) + 1  # plus the endpoint
    assert f"{changes} changes between the page's versions" in stderr
    assert f"{sum(r.ambiguous for r in rows)} ambiguous" in stderr
    assert "line 265: [changed] alipay_request sdLastName: cnd 'O' -> 'C'" in stderr
    assert "line 257: [ambiguous] alipay_request terminalType:" in stderr


def test_draft_is_deterministic(page: Page, real_spec: Spec, imported: tuple[Path, str]) -> None:
    assert draft_spec(page, real_spec).text == draft_spec(page, real_spec).text
    assert draft_spec(page, real_spec).text == imported[0].read_text(encoding="utf-8")


# --- Writing ----------------------------------------------------------------------------------


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "alipayplus.yaml"
    target.write_text("kept\n", encoding="utf-8")
    result = run_import(SEED, tmp_path)
    assert result.exit_code == 2
    assert f"{target} exists" in result.stderr and "--force" in result.stderr
    assert target.read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alipayplus.yaml"]  # no temp file
    result = run_import(SEED, tmp_path, "--force")
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("# Draft spec of the method alipayplus")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alipayplus.yaml"]


def test_output_folder_is_created(tmp_path: Path) -> None:
    result = run_import(SEED, tmp_path / "new" / "folder")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "folder" / "alipayplus.yaml").is_file()


def test_method_option_names_the_operations(tmp_path: Path) -> None:
    result = run_import(SEED, tmp_path, "--method", "cashier")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((tmp_path / "cashier.yaml").read_text(encoding="utf-8"))
    assert data["method"] == "cashier"
    assert [o["id"] for o in data["operations"]] == [
        "cashier.payment",
        "cashier.reverse",
        "cashier.credit",
        "cashier.inquire",
    ]
    bad = run_import(SEED, tmp_path, "--method", "Cashier+")
    assert bad.exit_code == 2 and "lower-case letters and digits" in bad.output


# --- Pages that need a person -----------------------------------------------------------------


def test_unknown_include_is_kept_with_a_check_comment(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "namePayID_Reverse\npagePayID", "nameLanguage\npageLanguage")
    page_file = tmp_path / "page.txt"
    page_file.write_text(text, encoding="utf-8")
    result = run_import(page_file, tmp_path / "out")
    assert result.exit_code == 0, result.output
    line = text.split("\n").index("nameLanguage") - 1  # the "Table Excerpt Include" line, 1-based
    assert f"line {line}: [include-unknown] reverse_request Language:" in result.stderr
    draft = tmp_path / "out" / "alipayplus.yaml"
    lines = draft.read_text(encoding="utf-8").split("\n")
    (hit,) = [x for x in lines if x.strip().startswith("- include: Language")]
    assert "# CHECK: include 'Language' is not in the shared library" in hit
    # Kept, not dropped: the loader names it until the library defines it.
    with pytest.raises(SpecError, match="unresolved include 'Language'"):
        load_spec(spec_folder_with(tmp_path, draft))


def test_include_named_in_another_case_is_flagged(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "namePayID_Credit", "namepayid_credit")
    page_file = tmp_path / "page.txt"
    page_file.write_text(text, encoding="utf-8")
    result = run_import(page_file, tmp_path)
    assert result.exit_code == 0
    draft = (tmp_path / "alipayplus.yaml").read_text(encoding="utf-8")
    assert (
        "- include: payid_credit  # CHECK: include 'payid_credit' is not in the shared "
        "library; the nearest is 'PayID_Credit' (key PayID)"
    ) in draft


def test_unknown_wording_placeholder_is_kept_and_flagged(tmp_path: Path, seed_text: str) -> None:
    old = "MultiExcerptNameHelpdesk-Name\nPageWithExcerptWording"
    at = seed_text.index(old)  # the first one: reverse_response, ErrorText, EN
    text = (
        seed_text[:at] + old.replace("Helpdesk-Name", "Support-Team") + seed_text[at + len(old) :]
    )
    data, lines = _draft_of(tmp_path, text)
    error_text = data["operations"][1]["result"]["parameters"][-1]
    assert error_text["description"]["en"] == (
        "Error text from the downstream system, only when its response is discussed with "
        "{{Support-Team}} (configured in MAT)."
    )
    assert any("# CHECK: {{Support-Team}} is not in legend.yaml wording" in x for x in lines)


def test_bad_format_and_missing_german_are_marked(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "Reason\n\nans..256", "Reason\n\nenum")
    text = edit(text, "\n\nGrund für die Gutschrift\n", "\n")
    data, lines = _draft_of(tmp_path, text)
    reason = data["operations"][2]["request"]["parameters"][6]
    assert reason["key"] == "Reason" and reason["format"] == "enum"
    assert reason["description"] == {"en": "Reason for the refund", "de": TODO_TRANSLATE}
    assert any("# CHECK: 'enum' is not a spec format" in x for x in lines)


def _draft_of(tmp_path: Path, text: str) -> tuple[dict[str, Any], list[str]]:
    page_file = tmp_path / "page.txt"
    page_file.write_text(text, encoding="utf-8")
    result = run_import(page_file, tmp_path)
    assert result.exit_code == 0, result.output
    draft = (tmp_path / "alipayplus.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(draft), draft.split("\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the page export"),
        (b"\xff\xfe Key", "not UTF-8 text"),
    ],
)
def test_unreadable_page_exits_2(tmp_path: Path, content: bytes | None, message: str) -> None:
    page_file = tmp_path / "page.txt"
    if content is not None:
        page_file.write_bytes(content)
    result = run_import(page_file, tmp_path / "out")
    assert result.exit_code == 2
    assert str(page_file) in result.stderr and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_page_without_payment_endpoint_asks_for_method(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "alipayalipayplus.aspx", "reverse.aspx")
    page_file = tmp_path / "page.txt"
    page_file.write_text(text, encoding="utf-8")
    result = run_import(page_file, tmp_path)
    assert result.exit_code == 2 and "pass --method NAME" in result.output


def test_commands_are_registered() -> None:
    from generator.cli import main

    assert {"import", "audit"} <= set(main.commands)


# --- YAML text --------------------------------------------------------------------------------


@given(st.text().filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)))
def test_yaml_str_round_trips(text: str) -> None:
    assert yaml.safe_load("v: " + yaml_str(text) + "  # comment\n")["v"] == text


@pytest.mark.parametrize(
    "name", ["MerchantID", "ReqId-ans..32", "yes", "No", "null", "on", "OFF", "y", "1abc", ""]
)
def test_yaml_name_stays_text(name: str) -> None:
    assert yaml.safe_load(f"v: {yaml_name(name)}\n")["v"] == name


def test_tables_without_role_suffix_are_request_then_result(
    tmp_path: Path, seed_text: str, real_spec: Spec
) -> None:
    text = edit(seed_text, "MultiExcerptNamestatus_request", "MultiExcerptNamestatus_in")
    text = edit(text, "MultiExcerptNamestatus_response", "MultiExcerptNamestatus_out")
    data, _ = _draft_of(tmp_path, text)
    inquire = data["operations"][3]
    real = real_spec.operation("alipayplus.inquire")
    assert (inquire["request"]["excerpt"], inquire["result"]["excerpt"]) == (
        "status_in",
        "status_out",
    )
    assert inquire["request"]["mac"] == real.request.mac_string
    assert inquire["result"]["mac"] == real.result.mac_string
