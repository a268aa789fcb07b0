"""`paygate validate`: parameter sets from YAML, JSON and JSON Lines files."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import paygate
import yaml
from click.testing import CliRunner
from validate_support import (
    INQUIRE_RESULT,
    PAYGATE,
    PAYMENT,
    ROOT,
    as_json,
    invoke,
    line_of,
    run_on_tty,
    write_jsonl_sets,
)

from generator.cli import main
from generator.validate.command import run as run_validate

YAML_SETS = """\
# Sets for the payment page
- name: good payment
  operation: alipayplus.payment
  params: &base
    MerchantID: Test_Shop
    TransID: TID-1
    Amount: 100
    Currency: EUR
    OrderDesc: Test order
    URLSuccess: https://shop.example/ok
    URLFailure: https://shop.example/fail
    URLNotify: https://shop.example/notify
    FxCurrency: EUR
    sdFirstName: Ola
    sdLastName: Nordmann
    sdcountryCode: NO
- name: bad payment
  operation: alipayplus.payment
  params:
    <<: *base
    Amount: 12.50
    OrderDesc: "Socks & shoes"
    terminalType: WAP
    CustomerID:
    Extra: x
"""


def test_yaml_sets_report_every_error_at_its_key(tmp_path: Path) -> None:
    f = tmp_path / "sets.yaml"
    f.write_text(YAML_SETS, encoding="utf-8")
    code, doc = as_json(str(f), "--no-mac")
    assert code == 1
    good, bad = doc["sets"]
    # Whole numbers count as text, and NO (Norway) stays text under YAML 1.2 rules.
    assert good["ok"] and good["name"] == "good payment"
    assert good["line"] == line_of(YAML_SETS, "- name: good payment")
    assert bad["line"] == line_of(YAML_SETS, "- name: bad payment")
    got = {(e["key"], e["rule"]): e for e in bad["errors"]}
    start = bad["line"]
    assert got[("Amount", "type")]["line"] == line_of(YAML_SETS, "Amount: 12.50", start)
    assert got[("Amount", "type")]["value"] == 12.5  # a JSON number
    assert "value 12.50;" in got[("Amount", "type")]["message"]  # as written
    assert got[("OrderDesc", "forbidden")]["line"] == line_of(YAML_SETS, 'OrderDesc: "Socks')
    assert got[("OrderDesc", "forbidden")]["value"] == "Socks & shoes"
    assert got[("CustomerID", "type")]["value"] is None  # null is not an absent key
    assert "value null;" in got[("CustomerID", "type")]["message"]
    assert got[("Extra", "unknown")]["line"] == line_of(YAML_SETS, "Extra: x")
    assert got[("osType", "condition")]["line"] == start  # a missing key: the set's line
    assert set(got) == {
        ("Amount", "type"),
        ("OrderDesc", "forbidden"),  # '&' is forbidden here: not also a charset problem
        ("CustomerID", "type"),
        ("Extra", "unknown"),
        ("osType", "condition"),
    }


def test_errors_are_the_generated_validators_own(tmp_path: Path) -> None:
    params = dict(PAYMENT, Amount="1.00", Currency="EURO", URLNotify="")
    f = tmp_path / "one.json"
    f.write_text(json.dumps({"operation": "alipayplus.payment", "params": params}))
    code, doc = as_json(str(f))
    issues = paygate.VALIDATORS["alipayplus.payment.request"](params)
    assert code == 1
    assert [(e["key"], e["rule"]) for e in doc["sets"][0]["errors"]] == [
        (i.key, i.rule) for i in issues
    ]
    assert [e["message"] for e in doc["sets"][0]["errors"]] == [i.message("en") for i in issues]
    _, doc_de = as_json(str(f), "--lang", "de")
    assert [e["message"] for e in doc_de["sets"][0]["errors"]] == [i.message("de") for i in issues]
    # MAC is reported unless --no-mac.
    assert ("MAC", "missing") in {(i.key, i.rule) for i in issues}


def test_values_become_text_before_validation(tmp_path: Path) -> None:
    sets = [
        {"operation": "alipayplus.payment", "params": dict(PAYMENT, Amount=250)},
        {"operation": "alipayplus.payment", "params": dict(PAYMENT, OrderDesc=True)},
        {"operation": "alipayplus.payment", "params": dict(PAYMENT, OrderDesc=["a"])},
        {"operation": "alipayplus.payment", "params": dict(PAYMENT, OrderDesc={"a": "b"})},
        {"operation": "alipayplus.payment", "params": dict(PAYMENT, Amount=1e3)},
    ]
    f = tmp_path / "values.json"
    f.write_text(json.dumps(sets, indent=2))
    code, doc = as_json(str(f), "--no-mac")
    assert code == 1
    oks = [s["ok"] for s in doc["sets"]]
    assert oks == [True, True, False, False, False]  # 250 -> "250", true -> "true"
    for s in doc["sets"][2:]:
        assert [e["rule"] for e in s["errors"]] == ["type"]


def test_json_lines_report_line_numbers_and_go_on_after_a_bad_line(tmp_path: Path) -> None:
    good = {"operation": "alipayplus.payment", "params": PAYMENT}
    bad = {"operation": "alipayplus.payment", "params": dict(PAYMENT, Currency="EURO")}
    f = tmp_path / "sets.jsonl"
    f.write_text(
        json.dumps(good) + "\n\n" + json.dumps(bad) + "\n{not json\n" + json.dumps(good) + "\n"
    )
    code, doc = as_json(str(f), "--no-mac")
    assert code == 2  # a line could not be parsed; the others were still checked
    assert [s["line"] for s in doc["sets"]] == [1, 3, 5]
    assert [s["ok"] for s in doc["sets"]] == [True, False, True]
    assert doc["sets"][1]["errors"][0]["line"] == 3
    assert [(p["file"], p["line"]) for p in doc["problems"]] == [(str(f), 4)]


def test_json_key_lines(tmp_path: Path) -> None:
    text = json.dumps(
        [
            {"operation": "alipayplus.reverse", "message": "result", "params": {"mid": "x"}},
            {
                "operation": "alipayplus.inquire",
                "message": "result",
                "params": dict(INQUIRE_RESULT, status="MAYBE", Status=None),
            },
        ],
        indent=2,
    )
    f = tmp_path / "results.json"
    f.write_text(text)
    code, doc = as_json(str(f))
    assert code == 1
    first, second = doc["sets"]
    assert (
        first["line"] == 2
        and second["line"] == line_of(text, '"operation": "alipayplus.inquire"') - 1
    )
    # Result keys compare case-insensitively: the error points at the key as written.
    errors = {(e["key"], e["rule"]): e["line"] for e in second["errors"]}
    assert ("Status", "type") in errors or ("Status", "enum") in errors
    status_line = next(v for (k, _), v in errors.items() if k == "Status")
    assert status_line in {line_of(text, '"status": "MAYBE"'), line_of(text, '"Status": null')}


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    text = '{"operation": "alipayplus.payment",\n "params": {"Amount": "1",\n "Amount": "2"}}\n'
    f = tmp_path / "dup.json"
    f.write_text(text)
    _, doc = as_json(str(f), "--no-mac")
    dup = [e for e in doc["sets"][0]["errors"] if e["rule"] == "duplicate"]
    assert [(e["key"], e["line"]) for e in dup] == [("Amount", 3)]
    y = tmp_path / "dup.yaml"
    y.write_text("operation: alipayplus.payment\nparams:\n  Amount: '1'\n  Amount: '2'\n")
    _, doc = as_json(str(y), "--no-mac")
    assert [
        (e["key"], e["line"]) for e in doc["sets"][0]["errors"] if e["rule"] == "duplicate"
    ] == [("Amount", 4)]


def test_operation_from_the_command_line(tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(PAYMENT))
    assert invoke(str(bare), "--no-mac")[0] == 1  # no operation named anywhere
    assert invoke(str(bare), "--no-mac", "--operation", "alipayplus.payment")[0] == 0
    # A result set, bare, with --message result.
    res = tmp_path / "res.json"
    res.write_text(json.dumps(INQUIRE_RESULT))
    assert invoke(str(res), "--operation", "alipayplus.inquire", "--message", "result")[0] == 0
    assert invoke(str(res), "--operation", "alipayplus.inquire")[0] == 1  # as a request
    # What a set names itself wins over the options.
    own = tmp_path / "own.json"
    own.write_text(
        json.dumps(
            {"operation": "alipayplus.inquire", "message": "result", "params": INQUIRE_RESULT}
        )
    )
    assert invoke(str(own), "--operation", "alipayplus.payment")[0] == 0


def test_bad_envelopes_fail_their_set(tmp_path: Path) -> None:
    f = tmp_path / "env.yaml"
    text = (
        "- operation: alipayplus.refund\n  params: {}\n"
        "- operation: alipayplus.payment\n  message: response\n  params: {}\n"
        "- operation: alipayplus.payment\n  param: {}\n"
        "- operation: alipayplus.payment\n  params: [1]\n"
        "- just text\n"
        "- operation: alipayplus.payment\n  params: {}\n  extra: 1\n"
    )
    f.write_text(text)
    code, doc = as_json(str(f))
    assert code == 1
    rules = [[(e["key"], e["rule"]) for e in s["errors"]][:1] for s in doc["sets"]]
    assert rules == [
        [("operation", "operation")],
        [("message", "message")],
        [("params", "set")],
        [("params", "set")],
        [("", "set")],
        [("extra", "envelope")],
    ]
    refund = doc["sets"][0]["errors"][0]
    assert "alipayplus.payment" in refund["allowed"] and refund["line"] == 1


def test_unreadable_files_are_reported_and_the_rest_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"operation": "alipayplus.payment", "params": PAYMENT}))
    broken = tmp_path / "broken.yaml"
    broken.write_text("operation: alipayplus.payment\nparams:\n  Amount: [1, 2\n")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"operation": "alipayplus.payment",\n "params": {"OrderDesc": "\xe4"}}')
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"operation": "alipayplus.payment",\n  "params": {"a": 1,}}')
    odd = tmp_path / "sets.txt"
    odd.write_text("x")
    code, doc = as_json(
        str(good),
        str(broken),
        str(latin),
        str(bad_json),
        str(odd),
        str(tmp_path / "missing.yaml"),
        "--no-mac",
    )
    assert code == 2
    assert [s["ok"] for s in doc["sets"]] == [True]
    where = {Path(p["file"]).name: p["line"] for p in doc["problems"]}
    assert where == {
        "broken.yaml": 4,
        "latin.json": 2,
        "bad.json": 2,
        "sets.txt": 0,
        "missing.yaml": 0,
    }
    code, out, _ = invoke(str(broken), str(good))
    assert code == 2
    assert f"{broken}:4:" in out and "YAML syntax error" in out


def test_globs_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for i in range(3):
        (tmp_path / "a" / f"s{i}.json").write_text(
            json.dumps({"operation": "alipayplus.payment", "params": PAYMENT})
        )
    code, doc = as_json(str(tmp_path / "a" / "*.json"), "--no-mac")
    assert code == 0 and doc["summary"]["files"] == 3 and doc["summary"]["sets"] == 3
    code, doc = as_json(str(tmp_path / "a"), "--no-mac")
    assert code == 0 and doc["summary"]["sets"] == 3
    code, doc = as_json(str(tmp_path / "nothing-*.yaml"))
    assert code == 2 and doc["problems"][0]["line"] == 0


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert invoke()[0] == 2
    f = tmp_path / "x.yaml"
    f.write_text("{}")
    code, _, err = invoke(str(f), "--operation", "alipayplus.refund")
    assert code == 2 and "alipayplus.payment" in err
    assert invoke(str(f), "--format", "xml")[0] == 2
    assert invoke("-")[0] == 2  # stdin needs --input-format


def test_stdin_with_input_format() -> None:
    data = json.dumps({"operation": "alipayplus.payment", "params": PAYMENT}) + "\n"
    result = CliRunner().invoke(
        main, ["validate", "-", "--input-format", "jsonl", "--no-mac"], input=data
    )
    assert result.exit_code == 0, result.output


def test_text_report(tmp_path: Path) -> None:
    f = tmp_path / "sets.yaml"
    f.write_text(YAML_SETS)
    code, out, _ = invoke(str(f), "--no-mac")
    assert code == 1
    amount = line_of(YAML_SETS, "Amount: 12.50")
    assert f"{f}:{amount}: Amount: not a string, value 12.50; allowed: a string [type]" in out
    assert "FAIL bad payment (alipayplus.payment.request): 5 error(s)" in out
    assert out.rstrip().endswith("2 set(s) in 1 file(s): 1 passed, 1 failed")
    assert "\x1b[" not in out
    code, out, _ = invoke(str(f), "--no-mac", "--lang", "de")
    assert (
        f"{f}:{amount}: Amount: keine Zeichenkette, Wert 12.50; erlaubt: eine Zeichenkette" in out
    )
    assert "1 bestanden, 1 fehlgeschlagen" in out


def test_junit_report(tmp_path: Path) -> None:
    f = tmp_path / "sets.yaml"
    f.write_text(YAML_SETS)
    broken = tmp_path / "broken.json"
    broken.write_text("[")
    ctrl = tmp_path / "ctrl.json"
    ctrl.write_text(
        json.dumps(
            {"operation": "alipayplus.payment", "params": dict(PAYMENT, OrderDesc="a\u0001b")}
        )
    )
    code, out, _ = invoke(str(f), str(broken), str(ctrl), "--no-mac", "--format", "junit")
    assert code == 2
    root = ET.fromstring(out)  # well-formed, even with a control character in a value
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "1")
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases][:2] == ["good payment", "bad payment"]
    bad = cases[1].find("failure")
    assert bad is not None and bad.get("message") == "5 error(s)"
    assert f"{f}:{line_of(YAML_SETS, 'Extra: x')}: Extra: unknown parameter" in (bad.text or "")
    assert cases[2].find("error") is not None
    assert "\\x01" in (cases[3].find("failure").text or "")  # type: ignore[union-attr]


def test_github_annotations(tmp_path: Path) -> None:
    f = tmp_path / "sets.yaml"
    f.write_text(YAML_SETS)
    code, out, _ = invoke(str(f), "--no-mac", "--format", "github")
    assert code == 1
    lines = [x for x in out.splitlines() if x.startswith("::error ")]
    assert len(lines) == 5
    amount = line_of(YAML_SETS, "Amount: 12.50")
    first = lines[0]
    assert first.startswith(f"::error file={f},line={amount},title=paygate validate%3A bad payment")
    assert first.endswith("::Amount: not a string, value 12.50; allowed: a string")
    forbidden = next(x for x in lines if "(forbidden)" in x)
    assert "none of # & %25 +" in forbidden  # % is escaped in annotation text


def test_pre_commit_hooks_name_real_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"paygate-validate", "paygate-check"}
    for h in hooks:
        assert h["language"] == "python"
        command = h["entry"].split()
        assert command[0] == "paygate"
        result = CliRunner().invoke(main, [*command[1:], "--help"])
        assert result.exit_code == 0, h["id"]
    assert by_id["paygate-check"]["pass_filenames"] is False


# --- terminals: colour and progress only there ---


def test_colour_only_on_a_terminal(tmp_path: Path) -> None:
    f = tmp_path / "sets.yaml"
    f.write_text(YAML_SETS)
    code, tty_out, _ = run_on_tty(["validate", str(f), "--no-mac"], "stdout", tmp_path)
    assert code == 1
    assert b"\x1b[31m" in tty_out and b"FAIL" in tty_out
    piped = subprocess.run(
        [str(PAYGATE), "validate", str(f), "--no-mac"], capture_output=True, cwd=tmp_path
    )
    assert piped.returncode == 1 and b"\x1b[" not in piped.stdout


def test_progress_bar_only_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    f = tmp_path / "many.jsonl"
    write_jsonl_sets(f, 4000)  # over a MiB: the bar shows from the start
    code, tty_err, out = run_on_tty(["validate", str(f), "--no-mac"], "stderr", tmp_path)
    assert code == 0
    assert b"Validating" in tty_err and b"4000 sets, 0 failed" in tty_err
    assert b"Validating" not in out
    piped = subprocess.run(
        [str(PAYGATE), "validate", str(f), "--no-mac"], capture_output=True, cwd=tmp_path
    )
    assert piped.returncode == 0 and piped.stderr == b""


def test_run_is_usable_without_the_command(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"operation": "alipayplus.payment", "params": PAYMENT}))
    report = run_validate([str(f)], with_mac=False)
    assert report.exit_code == 0 and len(report.results) == 1
