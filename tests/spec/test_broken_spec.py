"""A broken spec is reported with file, line, key and a clear message, all problems at once.

Each case copies spec/ into a scratch project, breaks it the way a person
editing the YAML might, then checks two things: the loader (or lint) names
the problem at the right place, and `paygate lint` prints that place and exits
with the documented code (2: the spec cannot be loaded; 1: lint findings)
without a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from spec_helpers import (
    Expected,
    edit,
    include_path,
    line_of,
    load_problems,
    make_project,
    row_path,
    run_cli,
)

from generator.spec.lint import lint
from generator.spec.loader import Problem, load_spec

A = "alipayplus.yaml"
PAY_REQ = "alipayplus.payment"


@dataclass(frozen=True)
class Break:
    """How to break a spec copy and what must then be reported."""

    name: str
    edits: tuple[tuple[str, str, str], ...] = ()  # (file, old text, new text)
    delete: tuple[str, ...] = ()  # files to remove
    create: tuple[tuple[str, bytes], ...] = ()  # files to add
    expect: Callable[[Path], list[Expected]] = field(default=lambda spec: [])

    def apply(self, spec: Path) -> None:
        for name, old, new in self.edits:
            edit(spec / name, old, new)
        for name in self.delete:
            (spec / name).unlink()
        for name, data in self.create:
            (spec / name).write_bytes(data)


# --- Problems that stop the loader ---------------------------------------------------------

LOAD_BREAKS = [
    Break(
        "yaml-syntax-error",
        edits=(
            (
                A,
                "          cnd: M\n          forbidden",
                "          cnd: M: O\n          forbidden",
            ),
        ),
        expect=lambda s: [Expected(A, line_of(s / A, "cnd: M: O"), "", "YAML syntax error")],
    ),
    Break(
        "duplicate-yaml-key",
        edits=(
            (
                A,
                "          format: ans..768\n",
                "          format: ans..768\n          format: ans..700\n",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "format: ans..700"),
                row_path(PAY_REQ, "request", "OrderDesc") + ".format",
                "duplicate key 'format'",
            )
        ],
    ),
    Break(
        "missing-de-text",
        edits=(
            (
                A,
                '            en: "Unique customer number"\n'
                '            de: "Eindeutige Kundennummer"\n',
                '            en: "Unique customer number"\n',
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, 'en: "Unique customer number"', offset=-1),
                row_path(PAY_REQ, "request", "CustomerID") + ".description",
                "missing key 'de'",
            )
        ],
    ),
    Break(
        "unknown-key-typo",
        edits=(
            (
                A,
                "          cnd: O\n          description:\n"
                '            en: "Unique customer number"',
                '          cnd: O\n          descripton:\n            en: "Unique customer number"',
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "descripton:"),
                row_path(PAY_REQ, "request", "CustomerID") + ".descripton",
                "unknown key 'descripton' (did you mean 'description'?)",
            ),
            Expected(
                A,
                line_of(s / A, "- key: CustomerID"),
                row_path(PAY_REQ, "request", "CustomerID"),
                "missing key 'description'",
            ),
        ],
    ),
    Break(
        "bad-format",
        edits=((A, "          format: ans..768\n", "          format: ans..\n"),),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "format: ans.."),
                row_path(PAY_REQ, "request", "OrderDesc") + ".format",
                "'ans..' is not a vendor format such as ans..32",
            )
        ],
    ),
    Break(
        "zero-length-format",
        edits=((A, "          format: ans..768\n", "          format: ans0\n"),),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "format: ans0"),
                row_path(PAY_REQ, "request", "OrderDesc") + ".format",
                "'ans0' is not a vendor format",
            )
        ],
    ),
    Break(
        "bad-cnd",
        edits=(
            (A, "          cnd: M\n          forbidden", "          cnd: X\n          forbidden"),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "cnd: X"),
                row_path(PAY_REQ, "request", "OrderDesc") + ".cnd",
                "value 'X' is not allowed; allowed: 'M', 'O', 'C'",
            )
        ],
    ),
    Break(
        "unresolved-include",
        edits=(
            (
                A,
                "        - include: Custom\n      rules:",
                "        - include: Custum\n      rules:",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- include: Custum"),
                include_path(PAY_REQ, "request", "Custom") + ".include",
                "unresolved include 'Custum': no such shared definition in shared.yaml",
            )
        ],
    ),
    Break(
        "empty-file",
        create=(("codes.yaml", b""),),
        expect=lambda s: [Expected("codes.yaml", 1, "", "the file is empty")],
    ),
    Break(
        "comments-only-file",
        create=(("codes.yaml", b"# nothing here yet\n"),),
        expect=lambda s: [Expected("codes.yaml", 1, "", "the file is empty")],
    ),
    Break(
        "non-mapping-top-level",
        create=(("codes.yaml", b"- success\n- severities\n"),),
        expect=lambda s: [Expected("codes.yaml", 1, "", "the file must hold a mapping of keys")],
    ),
    Break(
        "missing-legend",
        delete=("legend.yaml",),
        expect=lambda s: [Expected("legend.yaml", 0, "", "missing spec file legend.yaml")],
    ),
    Break(
        "unsupported-tag",
        edits=(
            (
                A,
                "          format: ans..768\n",
                "          format: !!python/name:os.system ans..768\n",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "format: !!python/name:os.system ans..768"),
                row_path(PAY_REQ, "request", "OrderDesc") + ".format",
                "use plain values",
            )
        ],
    ),
    Break(
        "line-break-in-format",
        edits=((A, "          format: ans..768\n", '          format: "ans..768\\n"\n'),),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, 'format: "ans..768\\n"'),
                row_path(PAY_REQ, "request", "OrderDesc") + ".format",
                "must be one line without control characters",
            )
        ],
    ),
    Break(
        "date-instead-of-text",
        edits=((A, "          default: WEB\n", "          default: 2024-01-01\n"),),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "default: 2024-01-01"),
                row_path(PAY_REQ, "request", "terminalType") + ".default",
                "quote the value to make it text",
            )
        ],
    ),
    Break(
        "recursive-alias",
        edits=(("codes.yaml", 'success: "00000000"', "success: &loop [*loop]"),),
        expect=lambda s: [
            Expected(
                "codes.yaml",
                line_of(s / "codes.yaml", "success: &loop [*loop]"),
                "success.0",
                "an alias refers to a node that contains it",
            )
        ],
    ),
    Break(
        "not-utf8",
        create=(("codes.yaml", 'success: "Ä"\n'.encode("latin-1")),),
        expect=lambda s: [Expected("codes.yaml", 1, "", "not UTF-8 text")],
    ),
    Break(
        "yml-extension",
        create=(("extra.yml", b"method: extra\n"),),
        expect=lambda s: [Expected("extra.yml", 0, "", "spec files end in .yaml")],
    ),
    Break(
        "unknown-format-letter-in-legend",
        edits=(
            (
                "legend.yaml",
                "  ns:\n    classes: [digits, special]\n",
                "  ns:\n    classes: [digit, special]\n",
            ),
        ),
        expect=lambda s: [
            Expected(
                "legend.yaml",
                line_of(s / "legend.yaml", "classes: [digit, special]"),
                "formats.ns.classes.0",
                "unknown character class 'digit'; defined: digits, letters, special",
            )
        ],
    ),
    Break(
        "format-letter-not-in-legend",
        edits=(
            (
                "legend.yaml",
                "  as:\n    classes: [letters, special]\n    text: {en: alphabetical with special "
                "characters, de: alphabetisch mit Sonderzeichen}\n",
                "",
            ),
        ),
        # Status is a..50 but enforced as as..50 (erratum status-charset).
        expect=lambda s: [
            Expected(
                "shared.yaml",
                line_of(s / "shared.yaml", "enforce: {format: as..50}"),
                "parameters.Status_OK_AUTHORIZE_REQUEST.enforce.format",
                "uses the letter 'as', which legend.yaml `formats` does not define",
            )
        ],
    ),
    Break(
        "several-problems-in-several-files",
        edits=(
            (A, "          cnd: M\n          forbidden", "          cnd: X\n          forbidden"),
            (
                A,
                "          format: ans..64\n",
                "          format: ans..64\n          colour: red\n",
            ),
            (
                "shared.yaml",
                "    format: ans..1024\n    cnd: M\n",
                "    format: ans..1024\n    cnd: m\n",
            ),
            ("legend.yaml", '      de: "die Ziffern 0-9"\n', ""),
            ("codes.yaml", 'success: "00000000"\n', ""),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "cnd: X"),
                row_path(PAY_REQ, "request", "OrderDesc") + ".cnd",
                "value 'X' is not allowed",
            ),
            Expected(
                A,
                line_of(s / A, "colour: red"),
                row_path(PAY_REQ, "request", "CustomerID") + ".colour",
                "unknown key 'colour'",
            ),
            Expected(
                "shared.yaml",
                line_of(s / "shared.yaml", "cnd: m"),
                "parameters.Description.cnd",
                "value 'm' is not allowed; allowed: 'M', 'O', 'C'",
            ),
            Expected(
                "legend.yaml",
                line_of(s / "legend.yaml", 'en: "the digits 0-9"', offset=-1),
                "character_classes.digits.text",
                "missing key 'de'",
            ),
            # A key missing at the top is reported where the file's mapping starts.
            Expected(
                "codes.yaml", line_of(s / "codes.yaml", "provenance:"), "", "missing key 'success'"
            ),
        ],
    ),
]


def _check_problems(problems: list[Problem], expected: list[Expected]) -> None:
    listing = "\n".join(str(p) for p in problems)
    for e in expected:
        assert any(e.matches(p.place.file, p.place.line, p.key, p.message) for p in problems), (
            f"expected {e} among:\n{listing}"
        )


def _cli_line(e: Expected, output: str) -> str:
    """The output line that reports ``e``; loader problems print as spec/<file>:<line>:<col>."""
    head = f"spec/{e.file}:{e.line}:" if e.line else f"spec/{e.file}:"
    hits = [
        line
        for line in output.splitlines()
        if line.startswith(head) and e.message in line and (not e.key or f"[{e.key}]" in line)
    ]
    assert hits, f"no line {head} ... [{e.key}] ... {e.message!r} in:\n{output}"
    return hits[0]


@pytest.mark.parametrize("case", LOAD_BREAKS, ids=lambda c: c.name)
def test_loader_reports_problem_at_its_place(case: Break, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    case.apply(project / "spec")
    expected = case.expect(project / "spec")
    assert expected
    problems = load_problems(project / "spec")
    _check_problems(problems, expected)
    # Every problem names its place: a file of the spec (or the folder) and a line in it.
    for p in problems:
        assert p.place.file and p.message
        assert p.place.line >= 1 or p.place.file.endswith((".yaml", ".yml", "spec"))

    result = run_cli("lint", "--root", str(project))
    assert result.exit_code == 2, result.output
    for e in expected:
        _cli_line(e, result.output)
    n = len(problems)
    assert f"error: the spec has {n} problem{'s' if n != 1 else ''}" in result.output


def test_several_problems_are_all_reported_in_one_run(tmp_path: Path) -> None:
    """Not only the first: every file's problems come together, in file and line order."""
    (case,) = [c for c in LOAD_BREAKS if c.name == "several-problems-in-several-files"]
    project = make_project(tmp_path)
    case.apply(project / "spec")
    problems = load_problems(project / "spec")
    files = {p.place.file for p in problems}
    assert files == {A, "shared.yaml", "legend.yaml", "codes.yaml"}
    assert len(problems) == len(case.expect(project / "spec"))
    order = [(p.place.file, p.place.line, p.place.column) for p in problems]
    assert order == sorted(order)


def test_missing_legend_prints_the_file_without_a_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "spec" / "legend.yaml").unlink()
    result = run_cli("lint", "--root", str(project))
    assert result.exit_code == 2
    assert "spec/legend.yaml: missing spec file legend.yaml" in result.output
    assert ":0:0" not in result.output


def test_broken_spec_never_shows_a_traceback_in_a_subprocess(tmp_path: Path) -> None:
    """The installed command, as a user runs it: message on stderr, exit 2, no traceback."""
    import subprocess
    import sys

    project = make_project(tmp_path)
    edit(project / "spec" / A, "          format: ans..768\n", "          format: ans..\n")
    proc = subprocess.run(
        # The console script's entry point, in a fresh interpreter.
        [
            sys.executable,
            "-c",
            "from generator.cli import main; main()",
            "lint",
            "--root",
            str(project),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    line = line_of(project / "spec" / A, "format: ans..")
    assert f"spec/{A}:{line}:" in proc.stderr


# --- Findings of lint: the spec loads, but is inconsistent --------------------------------


def _rule_line(s: Path, rule_id: str) -> int:
    return line_of(s / A, f"- id: {rule_id}")


LINT_BREAKS = [
    Break(
        "rule-names-unknown-key",
        edits=((A, "          keys: [osType]\n", "          keys: [osTyp]\n"),),
        expect=lambda s: [
            Expected(
                A,
                _rule_line(s, "ostype-for-mobile-terminals"),
                "rule-unknown-key",
                "rule ostype-for-mobile-terminals names osTyp, not a key of alipayplus.payment",
            )
        ],
    ),
    Break(
        "mac-field-not-in-message",
        edits=(
            (
                A,
                'mac: "*TransID*MerchantID*Amount*Currency"',
                'mac: "*TransID*MerchantID*Amount*Currencies"',
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, 'mac: "*TransID*MerchantID*Amount*Currencies"'),
                "mac-field-missing",
                "MAC field Currencies is not a parameter of the message",
            )
        ],
    ),
    Break(
        "enum-value-breaks-format-length",
        edits=(
            (
                A,
                "            - value: MINI_APP\n"
                '              text: {en: "mini-program", de: "Mini-Programm"}\n',
                "            - value: MINI_APP\n"
                '              text: {en: "mini-program", de: "Mini-Programm"}\n'
                "            - value: MINI_PROGRAM\n"
                '              text: {en: "long", de: "lang"}\n',
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- key: terminalType"),
                "enum-value-length",
                "terminalType: value 'MINI_PROGRAM' (12 characters) breaks its format ans..8",
            )
        ],
    ),
    Break(
        "enum-value-length-without-erratum",
        # osType without its errata: ANDROID no longer acknowledged, enforce unexplained.
        edits=((A, "          errata: [ostype-length, ostype-stale-text]\n", ""),),
        expect=lambda s: [
            Expected(A, line_of(s / A, "- key: osType"), "enum-value-length", "'ANDROID'"),
            Expected(
                A,
                line_of(s / A, "- key: osType"),
                "enforce-without-erratum",
                "osType: the enforced rule differs from the vendor format ans..6",
            ),
        ],
    ),
    Break(
        "duplicate-parameter-key-by-include",
        edits=(
            (
                A,
                "        - include: Currency\n        - key: CountryCode",
                "        - include: Currency\n        - include: Amount  # twice\n"
                "        - key: CountryCode",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- include: Amount  # twice"),
                "duplicate-key",
                "alipayplus.payment.request: key Amount appears twice in the table",
            )
        ],
    ),
    Break(
        "duplicate-parameter-key-explicit",
        edits=(
            (
                A,
                "        - key: Reason\n",
                "        - key: Amount\n          format: n..10\n          cnd: O\n"
                "          description: {en: x, de: y}\n        - key: Reason\n",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- key: Amount"),
                "duplicate-key",
                "alipayplus.credit.request: key Amount appears twice in the table",
            )
        ],
    ),
    Break(
        "conditional-row-without-rule",
        edits=(
            (
                A,
                "        - id: countrycode-region-priority\n          kind: merchant-decides\n"
                "          keys: [CountryCode]\n          condition:\n"
                '            en: "there is a specific user region display priority for the '
                'returned wallets"\n'
                '            de: "es eine bestimmte Benutzerregion-Anzeigepriorität für die '
                'zurückgegebenen Wallets gibt"\n',
                "",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- key: CountryCode"),
                "conditional-without-rule",
                "alipayplus.payment.request: CountryCode is C but no rule says when",
            )
        ],
    ),
    Break(
        "erratum-cited-but-not-defined",
        edits=(
            (A, "          errata: [sdzip-fixed-length]\n", "          errata: [sdzip-ans32]\n"),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- key: sdZip"),
                "unresolved-reference",
                "sdZip cites erratum 'sdzip-ans32', which no errata list defines",
            ),
            Expected(
                A,
                line_of(s / A, "- id: sdzip-fixed-length"),
                "erratum-unreferenced",
                "erratum 'sdzip-fixed-length' is cited by no parameter",
            ),
        ],
    ),
    Break(
        "shared-definition-cites-undefined-erratum",
        edits=(("shared.yaml", "    errata: [code-a4-form]\n", "    errata: [code-a4]\n"),),
        expect=lambda s: [
            Expected(
                "shared.yaml",
                line_of(s / "shared.yaml", "Code:"),
                "unresolved-reference",
                "Code cites erratum 'code-a4'",
            )
        ],
    ),
    Break(
        "erratum-acknowledges-nothing",
        edits=(
            (
                A,
                "    acknowledges: [enum-value-length]\n",
                "    acknowledges: [enum-value-lenght]\n",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- id: ostype-length"),
                "acknowledgement-unused",
                "erratum 'ostype-length' acknowledges [enum-value-lenght]",
            ),
            Expected(A, line_of(s / A, "- key: osType"), "enum-value-length", "'ANDROID'"),
        ],
    ),
    Break(
        "empty-translation",
        edits=((A, 'de: "Grund für die Gutschrift"', 'de: " "'),),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- key: Reason"),
                "missing-translation",
                "Reason description has no DE text",
            )
        ],
    ),
    Break(
        "default-not-a-value",
        edits=((A, "          default: WEB\n", "          default: DESKTOP\n"),),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "- key: terminalType"),
                "default-not-in-values",
                "terminalType: default 'DESKTOP' is not one of WEB, WAP, APP, MINI_APP",
            )
        ],
    ),
    Break(
        "rule-value-not-a-value",
        edits=(
            (
                A,
                "when: {key: terminalType, in: [WAP, APP, MINI_APP]}",
                "when: {key: terminalType, in: [WAP, APP, MINI-APP]}",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                _rule_line(s, "ostype-for-mobile-terminals"),
                "rule-unknown-value",
                "'MINI-APP' is not a value of terminalType",
            )
        ],
    ),
    Break(
        "rule-on-mandatory-row",
        edits=(
            (A, "          keys: [CountryCode]\n", "          keys: [CountryCode, OrderDesc]\n"),
        ),
        expect=lambda s: [
            Expected(
                A,
                _rule_line(s, "countrycode-region-priority"),
                "rule-on-unconditional",
                "makes OrderDesc conditional, but its CND is M",
            )
        ],
    ),
    Break(
        "pattern-does-not-compile",
        edits=(
            (
                "shared.yaml",
                'enforce: {pattern: "[0-9A-Z]{8}"}',
                'enforce: {pattern: "[0-9A-Z{8}"}',
            ),
        ),
        expect=lambda s: [
            Expected(
                "shared.yaml",
                line_of(s / "shared.yaml", "Code:"),
                "bad-pattern",
                "does not compile",
            )
        ],
    ),
    Break(
        "duplicate-operation-id",
        edits=((A, "  - id: alipayplus.inquire\n", "  - id: alipayplus.credit\n"),),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, 'section: "Status request for Alipay+"', offset=-1),
                "duplicate-operation",
                "operation ID 'alipayplus.credit' is used twice",
            )
        ],
    ),
    Break(
        "result-without-code",
        edits=(
            (
                A,
                "        - include: Description\n        - include: Code\n"
                "        - include: UserData\n"
                "        - include: RefNr\n        - *errortext\n\nerrata:",
                "        - include: Description\n        - include: UserData\n"
                "        - include: RefNr\n        - *errortext\n\nerrata:",
            ),
        ),
        expect=lambda s: [
            Expected(
                A,
                line_of(s / A, "excerpt: status_response", offset=-1),
                "result-without-code",
                "alipayplus.inquire.result: a result needs the Code parameter",
            )
        ],
    ),
]


@pytest.mark.parametrize("case", LINT_BREAKS, ids=lambda c: c.name)
def test_lint_reports_finding_at_its_place(case: Break, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    case.apply(project / "spec")
    expected = case.expect(project / "spec")
    findings = lint(load_spec(project / "spec"))
    listing = "\n".join(str(f) for f in findings)
    for e in expected:
        assert any(
            e.matches(f.place.file, f.place.line, f.id, f.message) and f.acknowledged_by is None
            for f in findings
        ), f"expected {e} among:\n{listing}"

    result = run_cli("lint", "--root", str(project))
    assert result.exit_code == 1, result.output
    for e in expected:
        line = [
            ln
            for ln in result.output.splitlines()
            if ln.startswith(f"spec/{e.file}:{e.line}:") and f"error: [{e.key}]" in ln
        ]
        assert line and e.message in line[0], f"{e} not printed:\n{result.output}"
    errors = sum(1 for f in findings if f.acknowledged_by is None)
    assert f"{errors} error(s)" in result.output
