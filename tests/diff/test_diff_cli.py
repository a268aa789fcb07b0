"""`paygate diff`: the vendor page's older version against spec/, options, revisions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.spec.lint import lint
from generator.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"
OLDER = ROOT / "tests" / "fixtures" / "spec-older"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def changes(*args: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, _ = run(*args, "--format", "json")
    doc = json.loads(out)
    return code, doc["changes"]


def only(found: list[dict[str, Any]], rule_id: str, key: str) -> dict[str, Any]:
    hits = [c for c in found if c["id"] == rule_id and c["key"] == key]
    assert len(hits) == 1, f"{rule_id} {key}: {hits}"
    return hits[0]


# --- the older version of the vendor page ---


def test_older_fixture_loads_and_lints_clean() -> None:
    spec = load_spec(OLDER)
    errors = [f for f in lint(spec) if f.acknowledged_by is None]
    assert errors == []
    payment = spec.operation("alipayplus.payment")
    assert payment.endpoint == "alipay.aspx"
    device = payment.request.parameter("Device")
    assert device is not None and device.value_names == ("Desktop", "Mobile", "APP", "MINI_APP")
    assert device.default == "Desktop"
    assert payment.request.parameter("terminalType") is None
    for key in ("sdFirstName", "sdLastName", "sdcountryCode"):
        p = payment.request.parameter(key)
        assert p is not None and p.cnd == "O"
    assert not [r for r in payment.request.rules if r.kind == "all-or-none"]


def test_older_to_newer_reports_the_vendor_changes() -> None:
    code, found = changes(str(OLDER), str(SPEC))
    assert code == 1  # breaking changes exist
    pay = "alipayplus.payment.request"

    endpoint = only(found, "endpoint-changed", "")
    assert (endpoint["level"], endpoint["old"], endpoint["new"]) == (
        "breaking",
        "alipay.aspx",
        "alipayplus.aspx",
    )

    # Device -> terminalType is one rename, with the evidence in its text.
    renamed = only(found, "param-renamed", "terminalType")
    assert renamed["level"] == "breaking" and renamed["where"] == pay
    assert (renamed["old"], renamed["new"]) == ("Device", "terminalType")
    assert "same format ans..8" in renamed["text"] and "alike" in renamed["text"]
    assert "after CustomerID" in renamed["text"]
    keys = {c["key"] for c in found if c["id"] in {"param-removed", "param-added-conditional"}}
    assert not keys & {"Device", "terminalType"}

    added = only(found, "enum-value-added", "terminalType")
    assert added["level"] == "info" and added["new"] == ["WEB", "WAP"]
    removed = only(found, "enum-value-removed", "terminalType")
    assert removed["level"] == "breaking" and removed["old"] == ["Desktop", "Mobile"]
    default = only(found, "default-changed", "terminalType")
    assert (default["level"], default["old"], default["new"]) == ("warning", "Desktop", "WEB")

    for key in ("sdFirstName", "sdLastName", "sdcountryCode"):
        c = only(found, "became-conditional", key)
        assert (c["level"], c["old"], c["new"]) == ("warning", "O", "C")
        assert only(found, "description-changed", key)["level"] == "info"
    rule = only(found, "rule-added", "shipping-name-all-or-none")
    assert rule["level"] == "breaking"
    assert "sdFirstName, sdLastName and sdcountryCode" in rule["text"]

    # The osType rule follows the rename and now triggers on WAP instead of Mobile.
    ostype = only(found, "rule-changed", "ostype-for-mobile-terminals")
    assert "Device is Mobile" in ostype["old"] and "terminalType is WAP" in ostype["new"]


def test_newer_to_older_is_the_way_back() -> None:
    code, found = changes(str(SPEC), str(OLDER))
    assert code == 1
    renamed = only(found, "param-renamed", "Device")
    assert (renamed["old"], renamed["new"]) == ("terminalType", "Device")
    assert only(found, "rule-removed", "shipping-name-all-or-none")["level"] == "info"
    for key in ("sdFirstName", "sdLastName", "sdcountryCode"):
        assert only(found, "became-optional", key)["level"] == "info"


def test_text_and_markdown_name_each_change(tmp_path: Path) -> None:
    code, out, _ = run(str(OLDER), str(SPEC))
    assert code == 1
    assert "param-renamed" in out and "Device was renamed to terminalType" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert out.rstrip().splitlines()[-1].startswith(f"{out.count(chr(10)) - 1} change(s):")
    code, md, _ = run(str(OLDER), str(SPEC), "--format", "markdown")
    assert code == 1
    assert "| breaking | `endpoint-changed` |" in md
    assert "| warning | `default-changed` |" in md


def test_fail_on_levels(tmp_path: Path) -> None:
    # Only a description changes: info.
    new = tmp_path / "spec"
    shutil.copytree(SPEC, new)
    yaml_file = new / "alipayplus.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    assert '"Unique customer number"' in text
    yaml_file.write_text(text.replace('"Unique customer number"', '"Customer number"'), "utf-8")
    assert run(str(SPEC), str(new))[0] == 0
    assert run(str(SPEC), str(new), "--fail-on", "warning")[0] == 0
    assert run(str(SPEC), str(new), "--fail-on", "info")[0] == 1
    # The older page has warnings: --fail-on warning fails on them too.
    assert run(str(OLDER), str(SPEC), "--fail-on", "warning")[0] == 1


def test_same_spec_has_no_changes() -> None:
    code, out, _ = run(str(SPEC), str(SPEC))
    assert code == 0
    assert out.strip() == "0 change(s): 0 breaking, 0 warning, 0 info (fails on breaking and above)"


def test_spec_errors_exit_2_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "spec"
    shutil.copytree(SPEC, broken)
    lines = (broken / "alipayplus.yaml").read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.strip() == "cnd: O")
    lines[n] = lines[n].replace("cnd: O", "cnd: X")
    (broken / "alipayplus.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run(str(SPEC), str(broken))
    assert code == 2
    assert f"{broken.as_posix()}/alipayplus.yaml:{n + 1}:" in err
    assert "'X'" in err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run()[0] == 2
    assert run("a", "b", "c")[0] == 2
    code, _, err = run("--", "-x", str(SPEC))
    assert code == 2 and "not a folder" in err
    assert run(str(SPEC), str(SPEC), "--fail-on", "fatal")[0] == 2


# --- git revisions ---


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose project (spec/, templates/) sits in a subfolder."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    top = tmp_path / "repo"
    project = top / "shop" / "paygate"
    shutil.copytree(OLDER, project / "spec")
    (project / "templates").mkdir()
    (project / "templates" / "README").write_text("templates\n")
    git(top, "init", "-q")
    git(top, "add", ".")
    git(top, "commit", "-q", "-m", "older page")
    git(top, "tag", "v1.0")
    for f in SPEC.glob("*.yaml"):
        shutil.copy(f, project / "spec" / f.name)
    git(top, "commit", "-q", "-am", "newer page")
    git(top, "tag", "v1.1")
    return project


def test_two_revisions(repo: Path) -> None:
    code, found = changes("v1.0", "v1.1", "--root", str(repo))
    assert code == 1
    ids = {c["id"] for c in found}
    assert {"endpoint-changed", "param-renamed", "rule-added"} <= ids
    renamed = only(found, "param-renamed", "terminalType")
    assert renamed["place"].startswith("v1.1:spec/alipayplus.yaml:")


def test_revision_against_working_tree(repo: Path) -> None:
    # HEAD is the newer page; the working tree changes one endpoint.
    spec = repo / "spec" / "alipayplus.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("endpoint: reverse.aspx", "endpoint: cancel.aspx"), "utf-8")
    code, found = changes("HEAD", "--root", str(repo))
    assert code == 1
    assert [(c["id"], c["old"], c["new"]) for c in found] == [
        ("endpoint-changed", "reverse.aspx", "cancel.aspx")
    ]
    by_rev = changes("HEAD~1", "HEAD", "--root", str(repo))[1]
    by_tag = changes("v1.0", "v1.1", "--root", str(repo))[1]
    assert {c["place"].split(":")[0] for c in by_rev} <= {"HEAD", "HEAD~1"}

    def same(c: dict[str, Any]) -> tuple[object, ...]:
        return (c["id"], c["key"], c["old"], c["new"], c["place"].split(":", 1)[1])

    assert [same(c) for c in by_rev] == [same(c) for c in by_tag]


def test_unknown_revision_exit_2(repo: Path) -> None:
    result = CliRunner().invoke(main, ["diff", "v9.9", "--root", str(repo)])
    assert result.exit_code == 2
    assert "'v9.9' is not a folder, nor a revision" in result.stderr


def test_revision_without_spec_exit_2(repo: Path) -> None:
    top = repo.parents[1]
    # A commit of the empty tree (git's well-known ID): it has no shop/paygate/spec.
    empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    commit = git(top, "commit-tree", empty_tree, "-m", "empty").strip()
    result = CliRunner().invoke(main, ["diff", commit, "--root", str(repo)])
    assert result.exit_code == 2
    assert "has no shop/paygate/spec/ folder" in result.stderr
