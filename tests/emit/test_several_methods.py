"""A spec with two methods: Alipay+ and a second one drafted by `paygate import`.

The flow a merchant follows for a new method, end to end: import the vendor's
page next to the spec's files, see lint refuse the draft's TODO markers, fill
them in, lint clean, generate one package for both methods, type-check it with
mypy --strict, and validate parameter sets of both methods with
`paygate validate`. The filled draft is kept as a fixture
(tests/fixtures/multi/twint.yaml); the test shows it is the import of the page
plus the recorded fills, so it cannot drift from the importer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "tests" / "fixtures" / "pages" / "twint-rendered.txt"
FILLED = ROOT / "tests" / "fixtures" / "multi" / "twint.yaml"
# What a person writes for the draft's TODO markers: (marker line as drafted, as filled).
FILLS = [
    ('  en: "TODO: not on the page"', '  en: "TWINT"'),
    ('  de: "TODO: translate"', '  de: "TWINT"'),
    (
        'title: {en: "Calling the interface for TWINT payments", de: "TODO: translate"}',
        'title: {en: "Payment via browser form", de: "Zahlung per Browser-Formular"}',
    ),
    (
        'title: {en: "Credit with reference", de: "TODO: translate"}',
        'title: {en: "Credit with reference", de: "Gutschrift mit Referenz"}',
    ),
]


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def fill(draft: str) -> str:
    for marker, text in FILLS:
        assert draft.count(marker) == 1, marker
        draft = draft.replace(marker, text)
    return draft


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """spec/ of the project plus the imported, filled TWINT draft; generated into out/."""
    root = tmp_path_factory.mktemp("multi")
    spec = root / "spec"
    spec.mkdir()
    for f in (ROOT / "spec").glob("*.yaml"):
        shutil.copy(f, spec / f.name)
    code, output = cli("import", str(PAGE), "--output", str(spec), "--spec", str(ROOT / "spec"))
    assert code == 0, output
    code, output = cli("lint", "--spec", str(spec))
    assert code == 1 and "TODO" in output  # the draft is not done until a person fills it
    draft = spec / "twint.yaml"
    draft.write_text(fill(draft.read_text(encoding="utf-8")), encoding="utf-8")
    code, output = cli("lint", "--spec", str(spec))
    assert code == 0, output
    code, output = cli("generate", "--spec", str(spec), "--output", str(root / "out"))
    assert code == 0, output
    return root


def test_the_fixture_is_the_import_of_the_page_filled(project: Path) -> None:
    made = (project / "spec" / "twint.yaml").read_text(encoding="utf-8")
    assert made == FILLED.read_text(encoding="utf-8")


def test_the_package_of_both_methods_passes_mypy_strict(project: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "paygate"],
        cwd=project / "out",
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


NAMES = """
import json, paygate
from paygate import results
from paygate import Secret
from paygate.client import Client, Config
c = Client(Config("Shop", Secret("k" * 16), Secret("b" * 16)))
print(json.dumps({
    "alipayplus": sorted(n for n in dir(c.alipayplus) if not n.startswith("_")),
    "twint": sorted(n for n in dir(c.twint) if not n.startswith("_")),
    "flat": sorted(n for n in ("payment_form", "credit", "reverse", "inquire") if hasattr(c, n)),
    "results": sorted(n for n in results.__all__ if n.endswith("Result")),
    "validators": sorted(paygate.VALIDATORS),
}))
"""


def in_package(project: Path, code: str) -> object:
    env = {**os.environ, "PYTHONPATH": str(project / "out")}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(proc.stdout)


def test_names_do_not_clash_and_alipayplus_names_keep_working(project: Path) -> None:
    names = in_package(project, NAMES)
    assert isinstance(names, dict)
    assert names["alipayplus"] == ["credit", "inquire", "payment_form", "reverse"]
    assert names["twint"] == ["credit", "payment_form"]
    # Operation names both methods have are no client method of their own: ambiguous.
    assert names["flat"] == ["inquire", "reverse"]
    assert {"AlipayplusCreditResult", "TwintCreditResult", "ReverseResult"} <= set(names["results"])
    assert "CreditResult" not in names["results"]
    assert "twint.payment.request" in names["validators"]


TWINT_PAYMENT = {
    "MerchantID": "Test_Shop",
    "TransID": "TID-1",
    "Amount": "100",
    "Currency": "CHF",
    "OrderDesc": "Test order",
    "URLSuccess": "https://shop.example/ok",
    "URLFailure": "https://shop.example/fail",
    "URLNotify": "https://shop.example/notify",
    "Language": "de",
}
ALIPAY_CREDIT = {
    "MerchantID": "Test_Shop",
    "PayID": "0" * 32,
    "TransID": "TID-1",
    "Amount": "100",
    "Currency": "EUR",
}


def validate(project: Path, sets: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    path = project / "sets.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in sets), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(project / "out")}
    return subprocess.run(
        [sys.executable, "-m", "generator", "validate", str(path), "--no-mac"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_validate_checks_sets_of_both_methods(project: Path) -> None:
    good = [
        {"operation": "twint.payment", "params": TWINT_PAYMENT},
        {"operation": "alipayplus.credit", "params": ALIPAY_CREDIT},
    ]
    proc = validate(project, good)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = {**TWINT_PAYMENT, "Language": "deutsch"}  # a2: two letters
    proc = validate(project, [*good, {"operation": "twint.payment", "params": bad}])
    assert proc.returncode == 1
    assert "Language" in proc.stdout and ":3" in proc.stdout  # the failing set's line
