"""The spec's ``encryption`` section: the envelope of encrypted calls and the plain keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_helpers import SPEC, edit, line_of, load_problems, make_project

from generator.spec.loader import load_spec


def test_the_vendors_envelope_and_plain_keys() -> None:
    enc = load_spec(SPEC).encryption
    assert enc.envelope == ("MerchantID", "Len", "Data")
    assert enc.plain == ("mid", "Plain")
    assert enc.pairs == ("Custom",)
    assert enc.place.file == "shared.yaml"
    assert enc.place.line == line_of(SPEC / "shared.yaml", "encryption:")


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            "plain: [mid, Plain]",
            "plain: [mid, Plian]",
            "encryption.plain.1",
            "'Plian' is not a key of any result table",
        ),
        (
            "pairs: [Custom]",
            "pairs: [OrderDesc, Costum]",
            "encryption.pairs.1",
            "'Costum' is not a key of any request table",
        ),
        ("  length: Len\n", "  length: data\n", "encryption", "three different keys"),
        ("  merchant: MerchantID\n", "", "encryption", "missing key 'merchant'"),
    ],
)
def test_broken_encryption_is_reported_at_its_place(
    tmp_path: Path, old: str, new: str, key: str, message: str
) -> None:
    spec = make_project(tmp_path) / "spec"
    edit(spec / "shared.yaml", old, new)
    (problem,) = load_problems(spec)
    assert problem.place.file == "shared.yaml" and problem.key == key
    assert message in problem.message
    assert problem.place.line >= line_of(spec / "shared.yaml", "encryption:")


def test_a_spec_without_encryption_does_not_load(tmp_path: Path) -> None:
    spec = make_project(tmp_path) / "spec"
    text = (spec / "shared.yaml").read_text(encoding="utf-8")
    start, end = text.index("encryption:"), text.index("parameters:")
    (spec / "shared.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    (problem,) = load_problems(spec)
    assert "missing key 'encryption'" in problem.message
