"""The parameter sets the benchmarks feed to every validator.

``VALID`` is a typical full payment request as a shop sends it (mandatory
keys, a mobile terminal with its osType, the shipping name, a few optional
keys). ``INVALID`` breaks it in six places of every kind the validators
check: a charset, an ISO list, a forbidden character, the required-if rule,
the all-or-none rule and an unknown key. ``CORPUS`` holds one set per rule,
so that the run can show every engine accepts and rejects the same sets
before it compares their speed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

MERCHANT: Final = "BenchMerchant"
HMAC_KEY: Final = "bench-hmac-key-7e21"  # made up for the benchmark; not a real key
CIPHER_KEY: Final = "bench-cipher-key-5c3d"

VALID: Final[dict[str, str]] = {
    "MerchantID": MERCHANT,
    "TransID": "TID-20260101-000042",
    "RefNr": "R-000042",
    "Amount": "1234",
    "Currency": "EUR",
    "CountryCode": "DE",
    "MAC": "0F" * 32,
    "OrderDesc": "Green tea, 2 x 250 g (Sencha) – Bestellung 42",
    "URLSuccess": "https://shop.example/paygate/success",
    "URLFailure": "https://shop.example/paygate/failure",
    "Response": "encrypt",
    "URLNotify": "https://shop.example/paygate/notify",
    "UserData": "order=42|cart=7",
    "ReqId": "9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d",
    "CustomerID": "C-1001",
    "terminalType": "APP",
    "osType": "ANDROID",
    "FxCurrency": "EUR",
    "sdFirstName": "Anna",
    "sdLastName": "Müller",
    "sdcountryCode": "DE",
    "sdCity": "Köln",
    "sdStreet": "Hohe Straße 1",
    "sdZip": "50667",
}


def _without(params: dict[str, str], *keys: str) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in keys}


INVALID: Final[dict[str, str]] = {
    **_without(VALID, "osType", "sdLastName"),  # required-if and all-or-none broken
    "Amount": "12.34",  # n: digits only
    "Currency": "EUX",  # not ISO 4217
    "OrderDesc": "Tea #42",  # '#' is forbidden in OrderDesc
    "Foo": "bar",  # unknown key
}
INVALID_PROBLEMS: Final = 6

MINIMAL: Final[dict[str, str]] = {
    k: VALID[k]
    for k in (
        "MerchantID",
        "TransID",
        "Amount",
        "Currency",
        "MAC",
        "OrderDesc",
        "URLSuccess",
        "URLFailure",
        "URLNotify",
        "FxCurrency",
    )
}

# One set per rule: (name, set, valid?).
CORPUS: Final[list[tuple[str, dict[str, Any], bool]]] = [
    ("full", dict(VALID), True),
    ("minimal", dict(MINIMAL), True),
    ("web terminal without osType", {**MINIMAL, "terminalType": "WEB"}, True),
    ("max lengths", {**MINIMAL, "TransID": "t" * 64, "OrderDesc": "o" * 768}, True),
    ("non-ASCII letters", {**MINIMAL, "OrderDesc": "中文 Ärger ß"}, True),
    ("missing MerchantID", _without(MINIMAL, "MerchantID"), False),
    ("missing FxCurrency", _without(MINIMAL, "FxCurrency"), False),
    ("Amount as int", {**MINIMAL, "Amount": 1234}, False),
    ("Amount with a dot", {**MINIMAL, "Amount": "12.34"}, False),
    ("Amount too long", {**MINIMAL, "Amount": "1" * 11}, False),
    ("empty TransID", {**MINIMAL, "TransID": ""}, False),
    ("TransID too long", {**MINIMAL, "TransID": "t" * 65}, False),
    ("'&' in TransID", {**MINIMAL, "TransID": "a&b"}, False),
    ("control character", {**MINIMAL, "TransID": "a\tb"}, False),
    ("C1 control character", {**MINIMAL, "TransID": "a\x85b"}, False),
    ("final newline", {**MINIMAL, "TransID": "ab\n"}, False),
    ("final CRLF", {**MINIMAL, "TransID": "ab\r\n"}, False),
    ("newline inside", {**MINIMAL, "TransID": "a\nb"}, False),
    ("final newline in a code", {**MINIMAL, "Currency": "EUR\n"}, False),
    ("final newline in a value list", {**MINIMAL, "terminalType": "WEB\n"}, False),
    ("final newline in OrderDesc", {**MINIMAL, "OrderDesc": "Tea\n"}, False),
    ("no-break space", {**MINIMAL, "OrderDesc": "Tea\xa0for two"}, True),
    ("Currency not ISO", {**MINIMAL, "Currency": "EUX"}, False),
    ("Currency lower case", {**MINIMAL, "Currency": "eur"}, False),
    ("CountryCode not ISO", {**MINIMAL, "CountryCode": "XX"}, False),
    ("MAC too short", {**MINIMAL, "MAC": "0F"}, False),
    ("MAC not hex-like", {**MINIMAL, "MAC": "-" * 64}, False),
    ("'#' in OrderDesc", {**MINIMAL, "OrderDesc": "Tea #1"}, False),
    ("'&' in OrderDesc", {**MINIMAL, "OrderDesc": "Tea & cake"}, False),
    ("'%' in OrderDesc", {**MINIMAL, "OrderDesc": "100% tea"}, False),
    ("'+' in OrderDesc", {**MINIMAL, "OrderDesc": "tea+cake"}, False),
    ("OrderDesc too long", {**MINIMAL, "OrderDesc": "o" * 769}, False),
    ("Response not encrypt", {**MINIMAL, "Response": "plain"}, False),
    ("terminalType unknown", {**MINIMAL, "terminalType": "TV"}, False),
    ("osType unknown", {**MINIMAL, "terminalType": "APP", "osType": "WINDOWS"}, False),
    ("APP without osType", {**MINIMAL, "terminalType": "APP"}, False),
    ("MINI_APP without osType", {**MINIMAL, "terminalType": "MINI_APP"}, False),
    ("shipping first name only", {**MINIMAL, "sdFirstName": "Anna"}, False),
    (
        "shipping without country",
        {**MINIMAL, "sdFirstName": "Anna", "sdLastName": "Müller"},
        False,
    ),
    ("sdcountryCode not ISO", {**VALID, "sdcountryCode": "ZZ"}, False),
    ("sdState too long", {**MINIMAL, "sdState": "s" * 9}, False),
    ("optional key sent as null", {**MINIMAL, "RefNr": None}, False),
    ("unknown key", {**MINIMAL, "Foo": "bar"}, False),
    ("key in the wrong case", {**MINIMAL, "transid": "x"}, False),
    ("six problems", dict(INVALID), False),
]


# --------------------------------------------------------------------------- client paths

#: Keyword arguments of ``Client.payment_form`` (MerchantID comes from the Config).
PAYMENT_FORM: Final[dict[str, Any]] = {
    **{k: v for k, v in VALID.items() if k not in ("MerchantID", "MAC", "Amount")},
    "Amount": 1234,
}


def payment_result(mac: str) -> dict[str, str]:
    """A successful payment result as Paygate sends it inside Data."""
    return {
        "mid": MERCHANT,
        "PayID": "0123456789abcdef0123456789abcdef",
        "XID": "fedcba9876543210fedcba9876543210",
        "TransID": VALID["TransID"],
        "RefNr": VALID["RefNr"],
        "Status": "OK",
        "Description": "success",
        "Code": "00000000",
        "UserData": VALID["UserData"],
        "MAC": mac,
    }


# --------------------------------------------------------------------------- JSON Lines


def write_jsonl(path: Path, count: int, invalid_every: int = 10) -> int:
    """``count`` payment request sets, one JSON object a line; every n-th is INVALID.

    Each set has its own TransID so the file looks like a day of real traffic.
    Returns the number of invalid sets written.
    """
    invalid = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            if invalid_every and i % invalid_every == invalid_every - 1:
                params = {**INVALID, "TransID": f"TID-{i:08d}"}
                invalid += 1
            else:
                params = {**VALID, "TransID": f"TID-{i:08d}"}
            out.write(json.dumps(params, ensure_ascii=False))
            out.write("\n")
    return invalid
