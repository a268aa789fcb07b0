"""Tests of `paygate audit` (generator/pages/audit.py): the vendor page export against spec/.

The seed page is what spec/ encodes, so its audit is clean. Each modified copy of the page
(written to a tmp folder) changes one thing and must produce exactly one expected finding.
Expected page lines are looked up in the modified text, and expected spec places are checked
by reading the spec line they point at.
"""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.pages.audit import AuditError, audit, is_subsequence
from generator.pages.command import audit_cmd
from generator.pages.draft import DraftError, draft_spec
from generator.pages.model import PageError, Row
from generator.pages.parse import parse_page
from generator.pages.text import normalize
from generator.spec.loader import load_spec
from generator.spec.model import Spec

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "fixtures" / "vendor" / "alipayplus-page.txt"
SPEC = ROOT / "spec"


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def real_spec() -> Spec:
    return load_spec(SPEC)


def edit(text: str, old: str, new: str, first: bool = False) -> str:
    """``text`` with ``old`` replaced; ``old`` must occur once (or take the first of several)."""
    if first:
        assert text.count(old) >= 1, old
        return text.replace(old, new, 1)
    assert text.count(old) == 1, (old, text.count(old))
    return text.replace(old, new)


def line_of(text: str, line: str) -> int:
    """1-based number of the only line of ``text`` that reads ``line``."""
    hits = [n for n, x in enumerate(text.split("\n"), 1) if x.strip() == line]
    assert len(hits) == 1, (line, hits)
    return hits[0]


def table_line(text: str, excerpt: str) -> int:
    """1-based line of the "Table Filter" that starts the table named ``excerpt``."""
    lines = text.split("\n")
    at = lines.index(f"MultiExcerptName{excerpt}")
    return max(n for n in range(at) if lines[n] == "Table Filter") + 1


def run_audit(page_file: Path, spec: Path = SPEC, fmt: str = "json") -> Result:
    result = CliRunner().invoke(audit_cmd, [str(page_file), "--spec", str(spec), "--format", fmt])
    assert "Traceback" not in result.output
    return result


def audit_json(tmp_path: Path, text: str, spec: Path = SPEC) -> tuple[int, dict[str, Any]]:
    page_file = tmp_path / "page.txt"
    page_file.write_text(text, encoding="utf-8")
    result = run_audit(page_file, spec)
    return result.exit_code, json.loads(result.stdout)


def spec_line(place: str) -> str:
    """The spec text at a finding's ``file:line:column``."""
    file, line, _ = place.rsplit(":", 2)
    return Path(file).read_text(encoding="utf-8").split("\n")[int(line) - 1].strip()


def summary(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["kind"], f["table"], f["key"], f["page_line"], f["page_value"], f["spec_value"])


# --- The seed page --------------------------------------------------------------------------


def test_seed_page_is_clean(tmp_path: Path) -> None:
    result = run_audit(SEED)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["findings"], data["acknowledged"], data["errata"]) == ([], [], [])
    assert data["method"] == "alipayplus"
    text = run_audit(SEED, fmt="text")
    assert text.exit_code == 0 and "0 finding(s), 0 acknowledged" in text.stdout


def test_merged_rows_are_consistent_by_subsequence(seed_text: str) -> None:
    # sdLastName's German cell ends in the old text ("...obligatorischNachname"): it differs
    # from the spec, and only the subsequence rule for changed rows makes it consistent.
    spec = load_spec(SPEC)
    page = parse_page(seed_text)
    (row,) = [
        e
        for t in page.sections[0].tables
        for e in t.entries
        if isinstance(e, Row) and e.key == "sdLastName"
    ]
    param = spec.message("alipayplus.payment.request").parameter("sdLastName")
    assert param is not None and row.changes and row.de is not None
    assert normalize(row.de) != param.description.de
    assert is_subsequence(param.description.de, row.de)
    assert audit(page, spec).findings == ()


def test_draft_of_the_page_audits_clean(seed_text: str, tmp_path: Path) -> None:
    page = parse_page(seed_text, str(SEED))
    spec = load_spec(SPEC)
    for name in ("legend.yaml", "shared.yaml", "codes.yaml"):
        shutil.copy(SPEC / name, tmp_path / name)
    (tmp_path / "alipayplus.yaml").write_text(draft_spec(page, spec).text, encoding="utf-8")
    assert audit(page, load_spec(tmp_path), str(tmp_path)).findings == ()


# --- One change, one finding ----------------------------------------------------------------

NEW_INCLUDE = "Table Excerpt Include\nstatictrue\nnameLanguage\npageLanguage\ntypepage\n\n"


def test_changed_format(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "Reason\n\nans..256", "Reason\n\nans..128")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    assert [summary(f) for f in data["findings"]] == [
        (
            "format-mismatch",
            "credit_request",
            "Reason",
            line_of(text, "Reason"),
            "ans..128",
            "ans..256",
        )
    ]
    assert spec_line(data["findings"][0]["spec_place"]) == "- key: Reason"


def test_removed_row(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "sdStateans..8OState, country or provinceStaat, Land oder Provinz\n", "")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    # Placed after the row above it on the page.
    above = line_of(text, next(x for x in text.split("\n") if x.startswith("sdcountryCode")))
    assert [summary(f) for f in data["findings"]] == [
        ("row-missing-on-page", "alipay_request", "sdState", above, "", "sdState ans..8 O")
    ]
    assert spec_line(data["findings"][0]["spec_place"]) == "- key: sdState"


def test_new_row(tmp_path: Path, seed_text: str) -> None:
    new_row = "sdPhoneans..32OPhone numberTelefonnummer"
    text = edit(seed_text, "sdZipans32OZIP or postal codePostleitzahl\n", f"&{new_row}\n")
    text = text.replace(f"&{new_row}", f"sdZipans32OZIP or postal codePostleitzahl\n{new_row}")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    assert [summary(f) for f in data["findings"]] == [
        (
            "row-missing-in-spec",
            "alipay_request",
            "sdPhone",
            line_of(text, new_row),
            "sdPhone ans..32 O",
            "",
        )
    ]
    assert spec_line(data["findings"][0]["spec_place"]) == "request:"


def test_new_include(tmp_path: Path, seed_text: str) -> None:
    anchor = "Parameters for reversal of Alipay+ Cashier Payment\n"
    text = edit(seed_text, anchor, NEW_INCLUDE + anchor)
    code, data = audit_json(tmp_path, text)
    assert code == 1
    include_line = line_of(text, "nameLanguage") - 2
    assert [summary(f) for f in data["findings"]] == [
        ("include-unknown", "reverse_request", "Language", include_line, "Language", "")
    ]
    assert data["findings"][0]["spec_place"] == ""


def test_changed_german_text(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "Grund für die Gutschrift", "Grund der Gutschrift")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    assert [summary(f) for f in data["findings"]] == [
        (
            "text-mismatch-de",
            "credit_request",
            "Reason",
            line_of(text, "Reason"),
            "Grund der Gutschrift",
            "Grund für die Gutschrift",
        )
    ]


def test_changed_cnd(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "OrderDesc\n\nans..768\n\nM\n", "OrderDesc\n\nans..768\n\nO\n")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    assert [summary(f) for f in data["findings"]] == [
        ("cnd-mismatch", "alipay_request", "OrderDesc", line_of(text, "OrderDesc"), "O", "M")
    ]
    assert spec_line(data["findings"][0]["spec_place"]) == "- key: OrderDesc"


def test_changed_endpoint(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "reverse.aspx", "refund.aspx")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    assert [summary(f) for f in data["findings"]] == [
        (
            "endpoint-mismatch",
            "",
            "alipayplus.reverse",
            line_of(text, "Reversal"),
            "refund.aspx",
            "reverse.aspx",
        )
    ]
    assert spec_line(data["findings"][0]["spec_place"]) == "- id: alipayplus.reverse"


def test_changed_include_name(tmp_path: Path, seed_text: str) -> None:
    # The first Status_OK_FAILED is the reversal's result.
    text = edit(seed_text, "nameStatus_OK_FAILED", "nameStatus_OK_AUTHORIZE_REQUEST", first=True)
    code, data = audit_json(tmp_path, text)
    assert code == 1
    line = text.split("\n").index("nameStatus_OK_AUTHORIZE_REQUEST", 500) - 1
    assert [summary(f) for f in data["findings"]] == [
        (
            "include-mismatch",
            "reverse_response",
            "Status",
            line,
            "include: Status_OK_AUTHORIZE_REQUEST",
            "include: Status_OK_FAILED",
        )
    ]
    assert spec_line(data["findings"][0]["spec_place"]) == "- include: Status_OK_FAILED"


def test_removed_include(tmp_path: Path, seed_text: str) -> None:
    block = "Table Excerpt Include\nstatictrue\nnameXID\npageXID\ntypepage\n\n"
    text = edit(seed_text, block, "", first=True)  # from the payment's result
    code, data = audit_json(tmp_path, text)
    assert code == 1
    payid = text.split("\n").index("namePayID") - 1
    assert [summary(f) for f in data["findings"]] == [
        ("row-missing-on-page", "alipay_response", "XID", payid, "", "include: XID")
    ]
    assert spec_line(data["findings"][0]["spec_place"]) == "- include: XID"


def test_changed_caption(tmp_path: Path, seed_text: str) -> None:
    old = "Parameters for credits of Alipay+ payments"
    text = edit(seed_text, old, "Parameters for credits")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    line = table_line(text, "credit_request")
    assert [summary(f) for f in data["findings"]] == [
        ("caption-mismatch", "credit_request", "", line, "Parameters for credits", old)
    ]


def test_changed_english_text_of_a_merged_row(tmp_path: Path, seed_text: str) -> None:
    # The subsequence rule for changed rows must not hide a real change.
    text = edit(
        seed_text, "sdcountryCode are also mandatoryNachname", "sdcountryCode are mandatoryNachname"
    )
    code, data = audit_json(tmp_path, text)
    assert code == 1
    [f] = data["findings"]
    assert (f["kind"], f["key"]) == ("text-mismatch-en", "sdLastName")
    assert f["page_value"].endswith("sdcountryCode are mandatory")
    assert f["spec_value"].endswith("sdcountryCode are also mandatory")


def test_wording_placeholder_is_expanded(tmp_path: Path, seed_text: str) -> None:
    # Another {{Wording}} excerpt in the reversal's ErrorText reads "Computop Paygate".
    old = "MultiExcerptNameHelpdesk-Name\nPageWithExcerptWording"
    text = edit(seed_text, old, "MultiExcerptNamePlatform-Kurz\nPageWithExcerptWording", first=True)
    code, data = audit_json(tmp_path, text)
    assert code == 1
    [f] = data["findings"]
    assert (f["kind"], f["table"], f["key"]) == (
        "text-mismatch-en",
        "reverse_response",
        "ErrorText",
    )
    assert "discussed with Computop Paygate (configured in MAT)." in f["page_value"]
    assert "discussed with Computop Helpdesk (configured in MAT)." in f["spec_value"]


def test_renamed_table(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "MultiExcerptNamestatus_request", "MultiExcerptNamestatus_query")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    line = table_line(text, "status_query")
    assert [summary(f) for f in data["findings"]] == [
        ("table-missing-in-spec", "status_query", "", line, "status_query", ""),
        ("table-missing-on-page", "status_request", "", 0, "", "status_request"),
    ]


# --- Errata -----------------------------------------------------------------------------------


def test_finding_on_a_parameter_with_errata_lists_them(tmp_path: Path, seed_text: str) -> None:
    # If the vendor fixed osType's length, the spec's erratum would be out of date.
    text = edit(seed_text, "osTypeans..6C", "osTypeans..7C")
    code, data = audit_json(tmp_path, text)
    assert code == 1
    [f] = data["findings"]
    assert summary(f)[:1] + summary(f)[4:] == ("format-mismatch", "ans..7", "ans..6")
    assert f["errata"] == ["ostype-length", "ostype-stale-text"]
    assert [e["id"] for e in data["errata"]] == ["ostype-length", "ostype-stale-text"]
    assert data["acknowledged"] == []


def test_erratum_acknowledging_the_kind_moves_it_apart(tmp_path: Path, seed_text: str) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(SPEC, spec)
    method = spec / "alipayplus.yaml"
    method.write_text(
        edit(
            method.read_text(encoding="utf-8"),
            "acknowledges: [enum-value-length]",
            "acknowledges: [enum-value-length, format-mismatch]",
        ),
        encoding="utf-8",
    )
    text = edit(seed_text, "osTypeans..6C", "osTypeans..7C")
    code, data = audit_json(tmp_path, text, spec)
    assert code == 0
    assert data["findings"] == []
    [f] = data["acknowledged"]
    assert (f["kind"], f["key"], f["acknowledged_by"]) == (
        "format-mismatch",
        "osType",
        "ostype-length",
    )
    page_file = tmp_path / "page.txt"
    out = run_audit(page_file, spec, fmt="text").stdout
    assert "acknowledged (erratum ostype-length): [format-mismatch]" in out
    assert "0 finding(s), 1 acknowledged" in out


def test_text_output_names_both_places(tmp_path: Path, seed_text: str) -> None:
    text = edit(seed_text, "Grund für die Gutschrift", "Grund der Gutschrift")
    page_file = tmp_path / "page.txt"
    page_file.write_text(text, encoding="utf-8")
    result = run_audit(page_file, fmt="text")
    assert result.exit_code == 1
    first, page_value, spec_value, last = result.stdout.strip().split("\n")
    assert first.startswith(f"{page_file}:{line_of(text, 'Reason')}: error: [text-mismatch-de]")
    assert page_value.strip() == "page: 'Grund der Gutschrift'"
    assert spec_value.strip().startswith(
        f"spec: 'Grund für die Gutschrift' ({SPEC}/alipayplus.yaml:"
    )
    assert last.startswith("1 finding(s), 0 acknowledged")


# --- Unreadable input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the page export"),
        (b"Key\n\xff\n", "not UTF-8 text"),
    ],
)
def test_unreadable_page_exits_2(tmp_path: Path, content: bytes | None, message: str) -> None:
    page_file = tmp_path / "page.txt"
    if content is not None:
        page_file.write_bytes(content)
    result = run_audit(page_file)
    assert result.exit_code == 2
    assert str(page_file) in result.stderr and message in result.stderr


def test_unloadable_spec_exits_2(tmp_path: Path) -> None:
    result = run_audit(SEED, tmp_path)
    assert result.exit_code == 2
    assert "missing spec file legend.yaml" in result.stderr
    assert f"the spec in {tmp_path} cannot be loaded" in result.stderr


def test_is_subsequence() -> None:
    assert is_subsequence("WEB, WAP", "DesktopWEB,, MobileWAP")
    assert is_subsequence("", "anything")
    assert not is_subsequence("WAP, WEB", "DesktopWEB,, MobileWAP")
    assert not is_subsequence("abc", "ab")


@settings(max_examples=60, deadline=None)
@given(
    deletions=st.lists(st.integers(min_value=0, max_value=1100), max_size=25),
    cut=st.integers(min_value=0, max_value=40000),
)
def test_damaged_page_never_crashes(
    seed_text: str, real_spec: Spec, deletions: list[int], cut: int
) -> None:
    lines = seed_text[:cut].split("\n")
    for d in deletions:
        if lines:
            del lines[d % len(lines)]
    try:
        page = parse_page("\n".join(lines))
    except PageError:
        return
    try:
        result = audit(page, real_spec)
    except AuditError as exc:
        assert "method" in str(exc)  # the damage hid which method the page is about
        return
    assert all(0 <= f.page_line <= len(lines) for f in result.findings)
    assert {f.kind for f in result.findings} <= KINDS
    try:
        draft = draft_spec(page, real_spec)
    except DraftError as exc:
        assert "--method" in str(exc) or "no draft written" in str(exc)
    else:
        assert isinstance(yaml.safe_load(draft.text), dict)


KINDS = {
    "page-line-skipped",
    "page-problem",
    "caption-mismatch-de",
    "row-missing-in-spec",
    "row-missing-on-page",
    "row-order",
    "key-mismatch",
    "format-mismatch",
    "cnd-mismatch",
    "text-mismatch-en",
    "text-mismatch-de",
    "include-unknown",
    "include-mismatch",
    "heading-mismatch",
    "heading-missing-in-spec",
    "heading-missing-on-page",
    "endpoint-mismatch",
    "section-mismatch",
    "caption-mismatch",
    "table-missing-in-spec",
    "table-missing-on-page",
    "table-repeated",
    "page-warning",
}
