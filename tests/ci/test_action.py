"""The composite GitHub Action (action.yml) and the GitLab CI snippet of the README.

The action's validate step is run as a runner runs it: its script under
``bash --noprofile --norc -eo pipefail``, its ``env`` with every
``${{ inputs.NAME }}`` replaced by the input given or its default, with the
installed ``paygate`` on PATH, on sample payloads in a scratch folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")

GOOD = """\
- name: a payment
  operation: alipayplus.payment
  params:
    MerchantID: Test_Shop
    TransID: TID-1
    Amount: 100
    Currency: EUR
    OrderDesc: Green tea
    URLSuccess: https://shop.example/ok
    URLFailure: https://shop.example/fail
    URLNotify: https://shop.example/notify
    FxCurrency: EUR
"""


def action() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return doc


def step(name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = action()["runs"]["steps"]
    return next(s for s in steps if s.get("name") == name)


def run_action(folder: Path, **given: str) -> subprocess.CompletedProcess[str]:
    """The validate step with inputs ``given`` (names as in action.yml, - as _)."""
    inputs = action()["inputs"]
    values = {name: str(spec.get("default", "")) for name, spec in inputs.items()}
    for name, value in given.items():
        key = name.replace("_", "-")
        assert key in inputs, key
        values[key] = value
    missing = [n for n, spec in inputs.items() if spec.get("required") and n not in given]
    assert not missing, missing
    validate = step("paygate validate")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for key, value in validate["env"].items():
        env[key] = EXPRESSION.sub(lambda m: values[m[1]], str(value))
    script = folder / "step.sh"
    script.write_text(validate["run"], encoding="utf-8")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def paygate(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "paygate"), "validate", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write(folder: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_action_is_composite_and_installs_paygate_from_its_own_checkout() -> None:
    doc = action()
    assert doc["runs"]["using"] == "composite"
    assert set(doc["inputs"]) >= {"files", "operation", "lang", "no-mac", "args"}
    assert doc["inputs"]["files"]["required"] is True
    install = step("Install paygate")
    assert '"$GITHUB_ACTION_PATH"' in install["run"] and "pip install" in install["run"]
    # What that installs has the command the validate step calls.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'paygate = "generator.cli:main"' in pyproject
    # No input is pasted into the script text (that would run what a caller wrote).
    for s in doc["runs"]["steps"]:
        assert not EXPRESSION.search(s.get("run", "")), s["run"]


def test_passing_sets_exit_0(tmp_path: Path) -> None:
    write(tmp_path, {"payloads/a.paygate.yaml": GOOD, "payloads/deep/b.yaml": GOOD})
    done = run_action(tmp_path, files="payloads/**/*.yaml", no_mac="true")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "::error" not in done.stdout
    assert (
        done.stdout
        == paygate(tmp_path, "payloads/**/*.yaml", "--no-mac", "--format", "github").stdout
    )


def test_failing_sets_are_annotations_on_their_lines_and_exit_1(tmp_path: Path) -> None:
    bad = GOOD.replace("Amount: 100", "Amount: 12.50").replace("Currency: EUR", "Currency: EURO")
    write(tmp_path, {"payloads/good.yaml": GOOD, "payloads/bad.yaml": bad})
    done = run_action(tmp_path, files="payloads/*.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    direct = paygate(tmp_path, "--format", "github", "payloads/*.yaml")
    assert (done.stdout, done.returncode) == (direct.stdout, direct.returncode)
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    for key in ("Amount", "Currency"):
        where = f"::error file=payloads/bad.yaml,line={line_of(bad, f'    {key}:')},"
        assert any(line.startswith(where) for line in errors), (where, errors)
    # MAC is missing in every set without no-mac: reported for both files.
    assert any(e.startswith("::error file=payloads/good.yaml,") for e in errors)
    assert not any(
        "MAC" in e
        for e in run_action(tmp_path, files="payloads/*.yaml", no_mac="true").stdout.splitlines()
    )


def test_files_on_several_lines_operation_lang_and_args(tmp_path: Path) -> None:
    bare = "\n".join(line[4:] for line in GOOD.splitlines()[3:]) + "\n"  # the params alone
    write(
        tmp_path,
        {
            "one/set.yaml": GOOD.replace("Currency: EUR", "Currency: EURO"),
            "two/bare.yaml": bare.replace("Currency: EUR", "Currency: EURO"),
        },
    )
    done = run_action(
        tmp_path,
        files="one/*.yaml\n  two/bare.yaml  \n",
        operation="alipayplus.payment",
        lang="de",
        no_mac="true",
        args="--input-format yaml",
    )
    direct = paygate(
        tmp_path,
        "--format",
        "github",
        "--operation",
        "alipayplus.payment",
        "--lang",
        "de",
        "--no-mac",
        "--input-format",
        "yaml",
        "one/*.yaml",
        "two/bare.yaml",
    )
    assert done.returncode == direct.returncode == 1, done.stdout + done.stderr
    assert done.stdout == direct.stdout
    assert "::error file=one/set.yaml," in done.stdout
    assert "::error file=two/bare.yaml," in done.stdout


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    write(tmp_path, {"payloads/broken.yaml": "params: [unclosed\n"})
    done = run_action(tmp_path, files="payloads/broken.yaml")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "::error file=payloads/broken.yaml," in done.stdout


@pytest.mark.parametrize("files", ["", "   \n  "])
def test_no_files_is_an_error(tmp_path: Path, files: str) -> None:
    done = run_action(tmp_path, files=files)
    assert done.returncode == 2
    assert "::error title=paygate validate::no files given" in done.stdout


def test_inputs_are_data_never_script(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": GOOD})
    done = run_action(tmp_path, files="a.yaml $(touch pwned) `touch pwned2`", args="; touch pwned3")
    assert not any((tmp_path / name).exists() for name in ("pwned", "pwned2", "pwned3"))
    assert done.returncode == 2  # the odd words are taken as file names that do not exist


def readme_yaml_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)


def gitlab_job() -> dict[str, Any]:
    gitlab = [yaml.safe_load(b) for b in readme_yaml_blocks() if "artifacts:" in b]
    assert len(gitlab) == 1
    (job,) = [j for j in gitlab[0].values() if isinstance(j, dict) and "script" in j]
    return job


def test_the_readme_shows_how_to_use_the_action_and_gitlab_ci() -> None:
    blocks = readme_yaml_blocks()
    workflows = [yaml.safe_load(b) for b in blocks if "uses: " in b and "paygate" in b]
    steps = [s for w in workflows for job in w["jobs"].values() for s in job["steps"]]
    uses = [s for s in steps if "paygate" in s.get("uses", "")]
    assert uses and all(set(s["with"]) <= set(action()["inputs"]) for s in uses)
    job = gitlab_job()
    script = " ".join(job["script"])
    assert "paygate validate" in script and "--format junit" in script
    report = job["artifacts"]["reports"]["junit"]
    assert f"> {report}" in script  # the report it publishes is the one validate writes
    assert job["artifacts"]["when"] == "always"  # published when sets fail, too


def test_the_gitlab_snippet_writes_the_junit_report_it_publishes(tmp_path: Path) -> None:
    job = gitlab_job()
    (command,) = [line for line in job["script"] if line.startswith("paygate validate")]
    report = job["artifacts"]["reports"]["junit"]
    bad = GOOD.replace("Currency: EUR", "Currency: EURO")
    write(tmp_path, {"payloads/good.yaml": GOOD, "payloads/deep/bad.yaml": bad})
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr  # the job fails, and the report is still there
    root = ET.fromstring((tmp_path / report).read_text(encoding="utf-8"))
    cases = root.findall(".//testcase")
    assert {c.get("file") for c in cases} == {"payloads/good.yaml", "payloads/deep/bad.yaml"}
    failed = [c.get("file") for c in cases if c.find("failure") is not None]
    assert failed == ["payloads/deep/bad.yaml"]
