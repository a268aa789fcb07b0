"""Where one broken rule implies another, the validators report only the more specific.

A forbidden character that the character class refuses as well (OrderDesc's
'&') is a forbidden character, not also a charset problem; a code of the wrong
length or characters is not also reported as missing from its ISO list. Rules
broken independently are all reported, in English and German alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import paygate
import pytest
from click.testing import CliRunner

from generator.cli import main

PAYMENT = {
    "MerchantID": "Test_Shop",
    "TransID": "TID-1",
    "Amount": "100",
    "Currency": "EUR",
    "OrderDesc": "Test order",
    "URLSuccess": "https://shop.example/ok",
    "URLFailure": "https://shop.example/fail",
    "URLNotify": "https://shop.example/notify",
    "FxCurrency": "EUR",
}


def rules(**changes: str) -> list[tuple[str, str]]:
    issues = paygate.validate_alipayplus_payment_request({**PAYMENT, **changes}, with_mac=False)
    return [(i.key, i.rule) for i in issues]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"OrderDesc": "Tea & cake"}, [("OrderDesc", "forbidden")]),
        ({"OrderDesc": "Tea #1 & cake"}, [("OrderDesc", "forbidden")]),
        ({"OrderDesc": "Tea\t& cake"}, [("OrderDesc", "charset"), ("OrderDesc", "forbidden")]),
        ({"OrderDesc": "Tea\tcake"}, [("OrderDesc", "charset")]),
        ({"TransID": "a&b"}, [("TransID", "charset")]),  # '&' is not forbidden by name here
        ({"Currency": "EURO"}, [("Currency", "length")]),
        ({"Currency": "EU1"}, [("Currency", "charset")]),
        ({"Currency": "E1RO"}, [("Currency", "length"), ("Currency", "charset")]),
        ({"Currency": "eur"}, [("Currency", "enum")]),
        ({"Currency": "EUX"}, [("Currency", "enum")]),
        ({"CountryCode": "D&"}, [("CountryCode", "charset")]),
        ({"CountryCode": "DEU"}, [("CountryCode", "length")]),
        ({"CountryCode": "XX"}, [("CountryCode", "enum")]),
    ],
)
def test_only_the_most_specific_rule(
    changes: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    assert rules(**changes) == expected


def test_tea_and_cake_in_english_and_german(tmp_path: Path) -> None:
    """The example of the issue, through `paygate validate` in both languages."""
    sets = tmp_path / "sets.json"
    sets.write_text(json.dumps({**PAYMENT, "OrderDesc": "Tea & cake"}), encoding="utf-8")
    seen = {}
    for lang in ("en", "de"):
        result = CliRunner().invoke(
            main,
            [
                *("validate", str(sets), "--operation", "alipayplus.payment", "--no-mac"),
                *("--format", "json", "--lang", lang),
            ],
        )
        assert result.exit_code == 1, result.output
        doc = json.loads(result.stdout)
        (only,) = doc["sets"]
        seen[lang] = [(e["key"], e["rule"], e["message"]) for e in only["errors"]]
    assert [(k, r) for k, r, _ in seen["en"]] == [("OrderDesc", "forbidden")]
    assert [(k, r) for k, r, _ in seen["de"]] == [("OrderDesc", "forbidden")]
    assert "forbidden character" in seen["en"][0][2] and "none of # & % +" in seen["en"][0][2]
    assert "verbotenes Zeichen" in seen["de"][0][2] and "keines der Zeichen" in seen["de"][0][2]
