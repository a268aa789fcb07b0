"""The published rule table (docs/diff-rules.md) is the table in code."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.diff.rules import LEVELS, RULES, rules_markdown

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "diff-rules.md"


def test_doc_matches_the_rule_table() -> None:
    assert DOC.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/diff-rules.md is stale: run `paygate diff --rules > docs/diff-rules.md`"
    )


def test_every_rule_is_a_row_of_the_doc_with_its_level() -> None:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(
            r"\| <a id=\"([a-z0-9-]+)\"></a>`\1` \| (\w+) \| (\w+) \| (.+) \| (.+) \|$", line
        )
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    assert rows == {r.id: (r.level, r.applies) for r in RULES}


def test_rule_ids_and_levels_are_well_formed() -> None:
    for r in RULES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.id), r.id
        assert r.level in LEVELS
        assert r.applies in {"spec", "operation", "message", "request", "result"}
        assert r.meaning.endswith(".") and r.why.endswith("."), r.id
    # Result-only rules carry the result- prefix, so one ID always has one level.
    assert all(r.id.startswith("result-") == (r.applies == "result") for r in RULES)


def test_cli_prints_the_table() -> None:
    out = CliRunner().invoke(main, ["diff", "--rules"])
    assert out.exit_code == 0
    assert out.output == DOC.read_text(encoding="utf-8")
