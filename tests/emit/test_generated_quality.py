"""The generated package is clean code a merchant can ship: lint, format, types, imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from emit_helpers import ROOT

PACKAGE = ROOT / "generated" / "paygate"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_ruff_check() -> None:
    proc = run("ruff", "check", "--no-cache", str(PACKAGE))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format() -> None:
    proc = run("ruff", "format", "--check", "--no-cache", str(PACKAGE))
    assert proc.returncode == 0, proc.stdout + proc.stderr


GOLDEN_PACKAGE = ROOT / "tests" / "fixtures" / "golden" / "expected" / "paygate"


def test_mypy_strict(tmp_path: Path) -> None:
    proc = run("mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path), str(PACKAGE))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout


def test_a_package_of_another_spec_is_typed_and_imports(tmp_path: Path) -> None:
    """The runtime is generic: the golden spec's package (other operations) works too."""
    cache = tmp_path / "cache"
    proc = run(
        "mypy", "--strict", "--no-incremental", "--cache-dir", str(cache), str(GOLDEN_PACKAGE)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "import paygate.client as c, paygate.callbacks;"
        "print(json.dumps([c.__file__, sorted(n for n in dir(c.Client) if n[0] != '_')]))"
    )
    run_ = subprocess.run(
        [sys.executable, "-c", code, str(GOLDEN_PACKAGE.parent)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run_.returncode == 0, run_.stderr
    where, methods = json.loads(run_.stdout)
    assert Path(where).parent == GOLDEN_PACKAGE
    assert {"pay", "refund"} <= set(methods)  # the golden spec's operations
    assert not {"payment_form", "credit"} & set(methods)


IMPORTS = """
import importlib, pkgutil, sys, json
import paygate
names = [m.name for m in pkgutil.iter_modules(paygate.__path__)]
for name in names:
    importlib.import_module("paygate." + name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in {"jinja2", "yaml", "generator"})
print(json.dumps({"modules": names, "bad": bad, "file": paygate.__file__}))
"""


def test_package_imports_neither_generator_nor_its_tools(tmp_path: Path) -> None:
    # Run outside the project folder, so that its generator/ is not on sys.path.
    one = subprocess.run(
        [
            sys.executable,
            "-c",
            "import paygate, sys; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in {'jinja2','yaml','generator'}))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert one.stdout.strip() == "[]"
    # and with every module of the package imported
    every = subprocess.run(
        [sys.executable, "-c", IMPORTS], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    found = json.loads(every.stdout)
    assert Path(found["file"]).resolve() == (PACKAGE / "__init__.py").resolve()
    assert {"validators", "builders", "results", "codes"} <= set(found["modules"])
    assert found["bad"] == []


KEY_MATCHING = """
import sys, json
sys.path.insert(0, sys.argv[1])
from paygate import ValidationError, parse_demo_refund_result
good = {"MerchantID": "M1", "PayID": "a" * 32, "Status": "OK", "Code": "00000000"}
out = {"exact": parse_demo_refund_result(good).PayID == "a" * 32}
for name, params in (
    ("lower-case key", {**{k: v for k, v in good.items() if k != "PayID"}, "payid": "a" * 32}),
    ("extra key", {**good, "Foo": "bar"}),
):
    try:
        parse_demo_refund_result(params)
        out[name] = []
    except ValidationError as exc:
        out[name] = sorted((i.key, i.rule) for i in exc.issues)
print(json.dumps(out))
"""


def test_key_matching_follows_the_spec(tmp_path: Path) -> None:
    """The golden refund result says `keys: exact` and `extra_keys: error`."""
    proc = subprocess.run(
        [sys.executable, "-c", KEY_MATCHING, str(GOLDEN_PACKAGE.parent)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["exact"] is True
    assert out["lower-case key"] == [["PayID", "missing"], ["payid", "unknown"]]
    assert out["extra key"] == [["Foo", "unknown"]]
