"""The golden record: tests/fixtures/golden/spec rendered in memory equals expected/ byte for byte.

Regenerate after an intended change with the command in tests/fixtures/golden/README.md.
"""

from __future__ import annotations

import difflib

from emit_helpers import GOLDEN, GOLDEN_COMMAND, ROOT, golden_spec

from generator.emit.generate import render_all
from generator.spec.lint import lint
from generator.spec.project import Project


def golden_project() -> Project:
    return Project(ROOT, GOLDEN / "spec", GOLDEN / "expected")


def test_golden_record_is_current() -> None:
    files = render_all(golden_project(), golden_spec())
    expected_dir = GOLDEN / "expected"
    on_disk = {
        p.relative_to(expected_dir).as_posix(): p.read_bytes()
        for p in sorted(expected_dir.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    problems = []
    for rel in sorted(set(files) | set(on_disk)):
        want = files[rel].encode("utf-8") if rel in files else None
        have = on_disk.get(rel)
        if want == have:
            continue
        if have is None:
            problems.append(f"missing from expected/: {rel}\n")
        elif want is None:
            problems.append(f"not made by the generator: expected/{rel}\n")
        else:
            problems.extend(
                difflib.unified_diff(
                    have.decode("utf-8", "replace").splitlines(keepends=True),
                    files[rel].splitlines(keepends=True),
                    f"expected/{rel}",
                    f"generated/{rel}",
                )
            )
    assert not problems, (
        "the golden record differs from what the generator makes; if the change is "
        f"intended, run `{GOLDEN_COMMAND}` and commit the diff:\n" + "".join(problems)
    )


def test_golden_record_has_package_and_schemas() -> None:
    files = render_all(golden_project(), golden_spec())
    spec = golden_spec()
    for name in ("__init__", "validators", "builders", "results", "codes", "operations", "_iso"):
        assert f"paygate/{name}.py" in files
    for msg in spec.messages():
        assert f"schemas/{msg.id}.schema.json" in files


def test_golden_spec_uses_every_feature_and_lints_clean() -> None:
    spec = golden_spec()
    params = [p for m in spec.messages() for p in m.parameters]
    rules = {r.kind for m in spec.messages() for r in m.rules}
    assert {"required-if", "all-or-none"} <= rules
    assert any(p.values for p in params)
    assert any(p.forbidden for p in params)
    assert any(p.pattern and p.errata for p in params)
    assert {p.check for p in params} >= {"iso4217", "iso3166-alpha2"}
    assert len(spec.operations) == 2
    assert [f for f in lint(spec) if f.acknowledged_by is None] == []


def test_regenerate_command_is_documented() -> None:
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    assert GOLDEN_COMMAND in readme
