"""The real spec lints clean; its only findings are the vendor errata it acknowledges.

The expected findings are the doc errata the vendor page visibly has
(shared/reference/computop-paygate.md §1): osType is ans..6 although ANDROID
has 7 characters, and Status is a..50 (letters only) although
AUTHORIZE_REQUEST has an underscore. Lines are looked up in the YAML, not
copied from lint's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_helpers import ROOT, SPEC, edit, line_of, make_project, run_cli

from generator.spec.lint import Finding, lint
from generator.spec.loader import load_spec
from generator.spec.model import Spec

A = "alipayplus.yaml"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


@pytest.fixture(scope="module")
def findings(spec: Spec) -> list[Finding]:
    return lint(spec)


def expected_acknowledged() -> set[tuple[str, int, str, str, str]]:
    """(file, line, finding ID, erratum, value) of every finding the spec acknowledges."""
    return {
        (A, line_of(SPEC / A, "- key: osType"), "enum-value-length", "ostype-length", "ANDROID"),
        (
            "shared.yaml",
            line_of(SPEC / "shared.yaml", "Status_OK_AUTHORIZE_REQUEST:"),
            "enum-value-charset",
            "status-charset",
            "AUTHORIZE_REQUEST",
        ),
        # The explicit Status row of the status response (the other Status rows are includes).
        (
            A,
            line_of(SPEC / A, "- key: Status"),
            "enum-value-charset",
            "status-charset",
            "AUTHORIZE_REQUEST",
        ),
    }


def test_real_spec_has_no_lint_errors(findings: list[Finding]) -> None:
    errors = [str(f) for f in findings if f.acknowledged_by is None]
    assert errors == []


def test_real_spec_acknowledges_exactly_the_vendor_errata(findings: list[Finding]) -> None:
    got = set()
    for f in findings:
        assert f.acknowledged_by is not None
        # The value the finding is about is named in its message: 'ANDROID', 'AUTHORIZE_REQUEST'.
        value = f.message.split("value '", 1)[1].split("'", 1)[0]
        got.add((f.place.file, f.place.line, f.id, f.acknowledged_by, value))
    assert got == expected_acknowledged()
    assert len(findings) == 3  # no finding twice


def test_acknowledging_errata_are_cited_by_the_parameters(spec: Spec) -> None:
    """An acknowledgement counts only through an erratum the parameter itself cites."""
    payment = spec.message("alipayplus.payment.request")
    ostype = payment.parameter("osType")
    assert ostype is not None and "ostype-length" in ostype.errata
    erratum = spec.erratum("ostype-length")
    assert erratum is not None and erratum.acknowledges == ("enum-value-length",)
    status = spec.erratum("status-charset")
    assert status is not None and status.acknowledges == ("enum-value-charset",)
    shared_status = spec.shared("Status_OK_AUTHORIZE_REQUEST")
    assert shared_status is not None and "status-charset" in shared_status.errata
    inquire_status = spec.message("alipayplus.inquire.result").parameter("Status")
    assert inquire_status is not None and "status-charset" in inquire_status.errata


def test_paygate_lint_exits_0_and_lists_the_acknowledged_findings() -> None:
    result = run_cli("lint", "--root", str(ROOT))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for file, line, fid, erratum, value in expected_acknowledged():
        hits = [
            ln
            for ln in lines
            if ln.startswith(f"spec/{file}:{line}:")
            and f"acknowledged: [{fid}]" in ln
            and f"(erratum {erratum})" in ln
            and value in ln
        ]
        assert len(hits) == 1, (file, line, fid, result.output)
    assert not any(": error: " in ln for ln in lines)
    errata = len(load_spec(SPEC).errata)
    assert lines[-1] == f"0 error(s), 3 acknowledged, {errata} errata recorded"


def test_unacknowledged_finding_is_an_error(tmp_path: Path) -> None:
    """The same osType finding without its erratum is an error, and lint exits 1."""
    project = make_project(tmp_path)
    edit(
        project / "spec" / A,
        "          errata: [ostype-length, ostype-stale-text]\n",
        "          errata: [ostype-stale-text]\n",
    )
    findings = lint(load_spec(project / "spec"))
    errors = {(f.id, f.acknowledged_by) for f in findings if f.acknowledged_by is None}
    # ANDROID breaks ans..6, and the erratum ostype-length is cited by nobody.
    assert errors == {("enum-value-length", None), ("erratum-unreferenced", None)}
    result = run_cli("lint", "--root", str(project))
    assert result.exit_code == 1
    assert "2 error(s), 2 acknowledged" in result.output


def test_findings_are_in_file_and_line_order(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    edit(project / "spec" / A, 'de: "Grund für die Gutschrift"', 'de: ""')
    edit(project / "spec" / "shared.yaml", 'de: "Aktion gescheitert"', 'de: ""')
    findings = lint(load_spec(project / "spec"))
    order = [(f.place.file, f.place.line, f.place.column) for f in findings]
    assert order == sorted(order)
    assert {f.place.file for f in findings if f.id == "missing-translation"} == {
        A,
        "shared.yaml",
    }
