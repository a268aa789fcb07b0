"""`paygate validate`: empty input, JSON values, --max-errors, deep YAML and exit codes."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from validate_support import PAYGATE, PAYMENT, as_json, invoke, payment_line

from generator.validate.input import MAX_DEPTH

GOOD = payment_line(1)

# --- empty input -------------------------------------------------------------

EMPTY = {
    "empty.yaml": "",
    "comment.yaml": "# nothing here yet\n",
    "blank.jsonl": "\n  \n\n",
    "empty.json": "",
    "space.json": " \n",
    "list.json": "[]",
    "list.yaml": "[]\n",
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_a_file_without_sets_fails_in_every_format(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_text(EMPTY[name], encoding="utf-8")
    code, out, _ = invoke(str(f))
    assert code == 1
    assert f"no parameter sets in {f}" in out
    assert "1 file(s) without sets" in out
    code, out, _ = invoke(str(f), "--lang", "de")
    assert code == 1 and f"keine Parametersätze in {f}" in out
    code, doc = as_json(str(f))
    assert code == 1 and doc["exit_code"] == 1 and not doc["ok"]
    assert doc["empty"] == [
        {"file": str(f), "message": f"no parameter sets in {f} (--allow-empty accepts this)"}
    ]
    assert doc["summary"]["empty_files"] == 1 and doc["problems"] == []
    code, out, _ = invoke(str(f), "--format", "jsonl")
    kinds = [json.loads(line)["kind"] for line in out.splitlines()]
    assert code == 1 and kinds == ["empty", "summary"]
    code, out, _ = invoke(str(f), "--format", "github")
    assert code == 1 and out.startswith(f"::error file={f},line=1,")
    code, out, _ = invoke(str(f), "--format", "junit")
    root = ET.fromstring(out)
    assert code == 1 and root.get("failures") == "1"
    # --allow-empty: the same file passes, and says it held no sets.
    code, out, _ = invoke(str(f), "--allow-empty")
    assert code == 0 and "0 set(s) in 1 file(s)" in out and "no parameter sets" not in out


def test_empty_standard_input_fails(tmp_path: Path) -> None:
    code, out, _ = invoke("-", "--input-format", "jsonl", input="")
    assert code == 1 and "no parameter sets in standard input" in out


def test_an_unreadable_file_is_a_problem_not_an_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text("{oops\n")
    code, out, _ = invoke(str(f))
    assert code == 2 and "no parameter sets" not in out


def test_only_the_empty_file_of_several_fails(tmp_path: Path) -> None:
    good, empty = tmp_path / "good.jsonl", tmp_path / "empty.yaml"
    good.write_text(GOOD)
    empty.write_text("")
    code, out, _ = invoke(str(good), str(empty), "--no-mac")
    assert code == 1
    assert f"no parameter sets in {empty}" in out and f"in {good}" not in out


# --- values as JSON ----------------------------------------------------------

VALUES_YAML = """\
operation: alipayplus.payment
params:
  Amount: -5
  RefNr: 12.50
  Currency: [EUR, USD]
  OrderDesc: {a: b}
  URLSuccess:
  URLFailure: .inf
  URLNotify: 1e3
"""


def test_json_report_values_are_json_values(tmp_path: Path) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(VALUES_YAML)
    code, doc = as_json(str(f), "--no-mac", "--max-errors", "0")
    assert code == 1
    values: dict[str, Any] = {}
    for e in doc["sets"][0]["errors"]:
        values.setdefault(e["key"], e["value"])
    assert values["Amount"] == "-5"  # a whole number counts as its text
    assert values["RefNr"] == 12.5 and isinstance(values["RefNr"], float)
    assert values["Currency"] == ["EUR", "USD"]
    assert values["OrderDesc"] == {"a": "b"}
    assert values["URLSuccess"] is None
    assert values["URLFailure"] == ".inf"  # JSON has no infinity: kept as written
    assert values["URLNotify"] == 1000.0
    assert values["MerchantID"] is None  # missing: no value
    # The messages keep the values as written.
    messages = {e["key"]: e["message"] for e in doc["sets"][0]["errors"]}
    assert "value 12.50;" in messages["RefNr"]
    code, out, _ = invoke(str(f), "--no-mac", "--format", "jsonl")
    first = json.loads(out.splitlines()[0])
    assert first["kind"] == "set"
    assert {e["key"]: e["value"] for e in first["errors"]}["Currency"] == ["EUR", "USD"]


def test_a_large_structure_is_shown_short(tmp_path: Path) -> None:
    # An alias bomb: nine levels of ten aliases would be 10**9 items written out.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    text = "x-bomb:\n" + "\n".join("  " + line for line in lines)
    text += "\noperation: alipayplus.payment\nparams:\n  OrderDesc: *a8\n"
    f = tmp_path / "bomb.yaml"
    f.write_text(text)
    code, out, _ = invoke(str(f), "--no-mac", "--format", "json")
    assert code == 1 and len(out) < 20_000
    doc = json.loads(out)
    value = next(e["value"] for e in doc["sets"][0]["errors"] if e["key"] == "OrderDesc")
    assert isinstance(value, str) and value.startswith("[[[")


def test_a_lone_surrogate_is_written_as_its_escape(tmp_path: Path) -> None:
    f = tmp_path / "s.jsonl"
    f.write_text(payment_line(1).replace("Test order", "Tea & \\ud800"))
    for fmt in ("text", "json", "jsonl", "junit", "github"):
        done = subprocess.run(
            [str(PAYGATE), "validate", str(f), "--no-mac", "--format", fmt], capture_output=True
        )
        assert done.returncode == 1, (fmt, done.stderr[-500:])
        assert b"Traceback" not in done.stderr
    done = subprocess.run(
        [str(PAYGATE), "validate", str(f), "--no-mac", "--format", "json"], capture_output=True
    )
    doc = json.loads(done.stdout)
    assert {e["value"] for e in doc["sets"][0]["errors"]} == {"Tea & \ud800"}


# --- --max-errors ------------------------------------------------------------


def many_unknown(tmp_path: Path, n: int) -> Path:
    params = dict(PAYMENT, **{f"Extra{i}": "x" for i in range(n)})
    f = tmp_path / "many.json"
    f.write_text(json.dumps({"operation": "alipayplus.payment", "params": params}, indent=1))
    return f


def test_max_errors_cuts_and_counts_what_it_cut(tmp_path: Path) -> None:
    f = many_unknown(tmp_path, 10_000)
    code, out, _ = invoke(str(f), "--no-mac")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 1 + 50 + 1 + 1
    assert lines[0].endswith("10000 error(s)")
    assert "9950 more error(s) not shown (9950 unknown); --max-errors 0 shows all" in lines[-2]
    code, out, _ = invoke(str(f), "--no-mac", "--max-errors", "3", "--lang", "de")
    assert "9997 weitere Fehler nicht gezeigt (9997 unknown)" in out
    assert len(out.splitlines()) == 1 + 3 + 1 + 1
    code, out, _ = invoke(str(f), "--no-mac", "--max-errors", "0")
    assert len(out.splitlines()) == 1 + 10_000 + 1
    code, doc = as_json(str(f), "--no-mac", "--max-errors", "5")
    (s,) = doc["sets"]
    assert len(s["errors"]) == 5 and s["errors_not_shown"] == {"unknown": 9995}
    code, out, _ = invoke(str(f), "--no-mac", "--max-errors", "5", "--format", "github")
    assert out.count("::error ") == 6 and "9995 more error(s)" in out
    code, out, _ = invoke(str(f), "--no-mac", "--max-errors", "5", "--format", "junit")
    failure = ET.fromstring(out).find(".//failure")
    assert failure is not None and failure.get("message") == "10000 error(s)"
    assert "9995 more error(s)" in (failure.text or "")


def test_max_errors_counts_rules_in_the_order_they_come(tmp_path: Path) -> None:
    f = tmp_path / "mixed.jsonl"
    f.write_text(payment_line(1, Currency="EURO", Amount="1.5", Extra="x", OrderDesc="a#b"))
    _, doc = as_json(str(f), "--no-mac", "--max-errors", "1")
    (s,) = doc["sets"]
    shown = len(s["errors"])
    total = shown + sum(s["errors_not_shown"].values())
    _, full = as_json(str(f), "--no-mac", "--max-errors", "0")
    rules = [e["rule"] for e in full["sets"][0]["errors"]]
    assert shown == 1 and total == len(rules)
    expect: dict[str, int] = {}
    for rule in rules[1:]:
        expect[rule] = expect.get(rule, 0) + 1
    assert s["errors_not_shown"] == expect


def test_max_errors_also_cuts_the_sets_own_errors(tmp_path: Path) -> None:
    envelope = {"operation": "alipayplus.payment", "params": PAYMENT}
    envelope.update({f"extra{i}": 1 for i in range(100)})  # type: ignore[misc]
    f = tmp_path / "env.json"
    f.write_text(json.dumps(envelope))
    _, doc = as_json(str(f), "--no-mac", "--max-errors", "10")
    (s,) = doc["sets"]
    assert len(s["errors"]) == 10 and s["errors_not_shown"] == {"envelope": 90}


# --- deep YAML ---------------------------------------------------------------


def test_too_deep_yaml_has_a_line_number(tmp_path: Path) -> None:
    f = tmp_path / "deep.yaml"
    f.write_text("operation: alipayplus.payment\nparams: " + "[" * 5000 + "\n")
    code, doc = as_json(str(f))
    assert code == 2
    (p,) = doc["problems"]
    assert p["line"] == 2 and p["column"] == len("params: ") + MAX_DEPTH + 1
    assert p["message"] == f"nested deeper than {MAX_DEPTH} levels"
    block = tmp_path / "block.yaml"
    block.write_text("".join("  " * i + "a:\n" for i in range(MAX_DEPTH + 50)))
    code, doc = as_json(str(block))
    assert code == 2 and doc["problems"][0]["line"] == MAX_DEPTH + 1
    code, out, _ = invoke(str(f), "--lang", "de")
    assert f"{f}:2:" in out and "tiefer als 200 Ebenen verschachtelt" in out


def test_too_deep_json_line(tmp_path: Path) -> None:
    f = tmp_path / "deep.jsonl"
    f.write_text(GOOD + "[" * 100_000 + "\n" + GOOD)
    code, doc = as_json(str(f), "--no-mac")
    assert code == 2 and [p["line"] for p in doc["problems"]] == [2]
    assert doc["summary"]["sets"] == 2


# --- exit codes --------------------------------------------------------------


def exit_code(tmp_path: Path, *args: str, files: dict[str, str | bytes] | None = None) -> int:
    for name, content in (files or {}).items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    code, _, _ = invoke(*(str(tmp_path / a) if a in (files or {}) else a for a in args))
    return code


BAD = payment_line(2, Currency="EURO")

EXIT_CODES: list[tuple[str, int, tuple[str, ...], dict[str, str | bytes]]] = [
    ("all pass", 0, ("a.jsonl", "--no-mac"), {"a.jsonl": GOOD}),
    ("a set fails", 1, ("a.jsonl", "--no-mac"), {"a.jsonl": GOOD + BAD}),
    ("MAC missing", 1, ("a.jsonl",), {"a.jsonl": GOOD}),
    ("no sets", 1, ("a.jsonl",), {"a.jsonl": ""}),
    ("no sets, allowed", 0, ("a.jsonl", "--allow-empty"), {"a.jsonl": ""}),
    ("a bad line", 2, ("a.jsonl", "--no-mac"), {"a.jsonl": GOOD + "{\n"}),
    ("a bad line and a failure", 2, ("a.jsonl", "--no-mac"), {"a.jsonl": BAD + "{\n"}),
    ("not UTF-8", 2, ("a.json", "--no-mac"), {"a.json": b'{"a": "\xff"}'}),
    ("not UTF-8 line", 2, ("a.jsonl", "--no-mac"), {"a.jsonl": GOOD.encode() + b"\xff\n"}),
    ("YAML syntax", 2, ("a.yaml",), {"a.yaml": "a: [1,\n"}),
    ("alias cycle", 2, ("a.yaml",), {"a.yaml": "a: &x [*x]\n"}),
    ("unknown suffix", 2, ("a.txt",), {"a.txt": GOOD}),
    ("no such file", 2, ("missing.yaml",), {}),
    ("a glob matching nothing", 2, ("nothing-*.yaml",), {}),
    ("no files", 2, (), {}),
    ("unknown operation", 2, ("a.jsonl", "--operation", "alipayplus.refund"), {"a.jsonl": GOOD}),
    ("unknown format", 2, ("a.jsonl", "--format", "xml"), {"a.jsonl": GOOD}),
    ("negative max errors", 2, ("a.jsonl", "--max-errors", "-1"), {"a.jsonl": GOOD}),
    ("max errors not a number", 2, ("a.jsonl", "--max-errors", "x"), {"a.jsonl": GOOD}),
    ("no jobs", 2, ("a.jsonl", "--jobs", "0"), {"a.jsonl": GOOD}),
    ("jobs not a number", 2, ("a.jsonl", "--jobs", "many"), {"a.jsonl": GOOD}),
    ("stdin without a format", 2, ("-",), {}),
    ("unknown option", 2, ("a.jsonl", "--fast"), {"a.jsonl": GOOD}),
]


@pytest.mark.parametrize(
    ("expect", "args", "files"),
    [(e, a, f) for _, e, a, f in EXIT_CODES],
    ids=[name for name, *_ in EXIT_CODES],
)
def test_exit_codes(
    tmp_path: Path, expect: int, args: tuple[str, ...], files: dict[str, str | bytes]
) -> None:
    assert exit_code(tmp_path, *args, files=files) == expect


def test_a_reader_that_goes_away_ends_the_run_without_a_traceback(tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(BAD * 5_000)  # far more report than a pipe holds
    proc = subprocess.Popen(
        [str(PAYGATE), "validate", str(f), "--no-mac"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read()
    proc.wait()
    assert proc.returncode == 2
    assert b"Traceback" not in err and b"the report could not be written" in err
