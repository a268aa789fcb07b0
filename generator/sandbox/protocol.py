"""The Paygate wire format as the local sandbox speaks it.

Built on the generated package only: ``paygate.crypto`` for MAC and cipher,
``paygate.VALIDATORS`` for the parameter rules, ``paygate.OPERATIONS`` for the
MAC fields of each operation.

Requests arrive as ``MerchantID`` (plain), ``Len`` and ``Data``; ``Data`` holds the
encrypted ``key=value&key=value`` string (values are not URL-encoded; pairs are
split on ``&``, each pair on its first ``=``).

Codes. A refused request gets a Computop-structured ``Code``: position 1 the
severity (always ``2``, error), positions 2-4 the module, positions 5-8 the
parameter's number. The vendor's list of parameter numbers is not published, so
the sandbox numbers the parameters itself (``PARAMETER_NUMBERS``); ``0000``
means no single parameter. Modules used:

=========  ==========================================================
``001``    cryptography: Data cannot be decrypted or does not decrypt to
           ``key=value`` pairs (``Data``), MAC mismatch (``MAC``)
``010``    parameter missing, or a conditional parameter missing
``011``    format error: not a string, wrong length, characters not allowed
``012``    parameter not known for the operation (number ``0000``)
``015``    value missing: the parameter is present but empty
``016``    value unknown or not allowed: enum values, unknown MerchantID or
           PayID, amounts and currencies that do not fit the payment, URLs
           the sandbox cannot call back
``017``    already present: a key sent twice in Data, a payment already
           reversed, a ReqId already used for another operation
``018``    no longer valid: reversal after the daily cutoff, credit after a year
``019``    not allowed: reversal or credit of a payment that is not authorised,
           reversal of a credited payment, credit of a reversed payment
=========  ==========================================================

Outcomes that are not request errors: ``00000000`` success, ``21000000`` the
customer declined in the wallet (module ``100`` stands for the wallet),
``60000000`` the payment waits for the customer (severity 6, transient).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlencode, urlsplit

from paygate import OPERATIONS, SUCCESS, VALIDATORS, Issue, OperationInfo, Secret
from paygate.crypto import Cipher, compute_mac, make_cipher, verify_mac
from paygate.errors import DecryptionError
from paygate.issues import RULES
from paygate.transport import is_loopback_host

__all__ = [
    "DECLINED",
    "NO_ID",
    "NO_TRANSID",
    "PARAMETER_NUMBERS",
    "PENDING",
    "SUCCESS",
    "Merchant",
    "Refusal",
    "code_for",
    "custom_pairs",
    "decrypt_request",
    "describe_issues",
    "encode_result",
    "is_loopback_host",
    "merchant_id_problems",
    "result_fields",
    "url_problem",
]

#: The sandbox's numbers for positions 5-8 of a Code (the vendor's list is not published).
#: Numbered in the order of the payment request table, then the keys other operations add;
#: Len and Data are the transport fields. A number never changes once given.
PARAMETER_NUMBERS: Final[dict[str, int]] = {
    "MerchantID": 1,
    "TransID": 2,
    "RefNr": 3,
    "Amount": 4,
    "Currency": 5,
    "CountryCode": 6,
    "MAC": 7,
    "OrderDesc": 8,
    "URLSuccess": 9,
    "URLFailure": 10,
    "Response": 11,
    "URLNotify": 12,
    "UserData": 13,
    "ReqId": 14,
    "CustomerID": 15,
    "terminalType": 16,
    "osType": 17,
    "FxCurrency": 18,
    "sdFirstName": 19,
    "sdLastName": 20,
    "sdcountryCode": 21,
    "sdState": 22,
    "sdCity": 23,
    "sdStreet": 24,
    "sdStreet2": 25,
    "sdZip": 26,
    "Plain": 27,
    "Custom": 28,
    "PayID": 29,
    "Reason": 30,
    "Len": 31,
    "Data": 32,
}

# Modules (positions 2-4) of the Code, named as in paygate.codes.
CRYPTO: Final = "001"
MISSING: Final = "010"
FORMAT: Final = "011"
INVALID: Final = "012"
EMPTY: Final = "015"
NOT_ALLOWED_VALUE: Final = "016"
ALREADY: Final = "017"
EXPIRED: Final = "018"
NOT_ALLOWED: Final = "019"

#: The customer pressed "decline" in the sandbox wallet.
DECLINED: Final = "21000000"
#: The payment waits for the customer (Status AUTHORIZE_REQUEST).
PENDING: Final = "60000000"

#: PayID and XID of a result for a request refused before any payment existed.
NO_ID: Final = "0" * 32
#: TransID of a result whose request carried no usable TransID (inquire of an unknown PayID).
NO_TRANSID: Final = "-"

_RULE_MODULES: Final = {
    "missing": MISSING,
    "condition": MISSING,
    "type": FORMAT,
    "length": FORMAT,
    "charset": FORMAT,
    "format": FORMAT,
    "forbidden": FORMAT,
    "enum": NOT_ALLOWED_VALUE,
    "unknown": INVALID,
}

_KEY: Final = re.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}").fullmatch
_AN32: Final = re.compile("[A-Za-z0-9]{32}").fullmatch
_TRANSID: Final = re.compile("[^\\x00-\\x1f\\x7f-\\x9f&]{1,64}").fullmatch
# What may stand in a Description (ans..1024): no control characters and no '&'.
_NOT_ANS: Final = re.compile("[\\x00-\\x1f\\x7f-\\x9f&]")
_DESCRIPTION_MAX: Final = 1024


@dataclass(frozen=True)
class Merchant:
    """One merchant the sandbox knows: its MerchantID, keys and cipher kind.

    ValueError when one breaks a rule: the MerchantID must be one Paygate
    could assign (the spec's MerchantID, ans..30, checked by the generated
    validators), the HMAC key must not be empty, and the cipher key must fit
    the cipher (Blowfish 4 to 56 bytes, AES 16, 24 or 32). Messages never show
    a key.
    """

    merchant_id: str
    hmac_key: Secret
    cipher_key: Secret
    cipher_kind: str = "blowfish"
    cipher: Cipher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = merchant_id_problems(self.merchant_id)
        if not self.hmac_key:
            problems.append("HMAC key: empty; allowed: any non-empty key")
        if problems:
            raise ValueError("; ".join(problems))
        # make_cipher checks the kind and the key length; its messages never show the key.
        object.__setattr__(self, "cipher", make_cipher(self.cipher_kind, self.cipher_key))


def merchant_id_problems(merchant_id: str) -> list[str]:
    """What the spec's MerchantID rules say against ``merchant_id``, as the validators word it.

    Every request carries MerchantID; each request validator is asked, and
    only its findings about MerchantID are kept (the other keys are absent).
    """
    found: dict[str, None] = {}
    for op in OPERATIONS.values():
        for issue in VALIDATORS[op.request]({"MerchantID": merchant_id}):
            if issue.key == "MerchantID":
                found[issue.message("en")] = None
    return list(found)


class Refusal(Exception):
    """A request the sandbox refuses, with the Code and Description of its result.

    ``bad`` names the keys that broke a rule: their values are not echoed back.
    """

    def __init__(self, code: str, description: str, bad: Iterable[str] = ()) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = clean_description(description)
        self.bad = frozenset(bad)


def code_for(module: str, key: str | None = None) -> str:
    """``2`` + module + the parameter's number (``0000`` for none or an unknown key)."""
    number = PARAMETER_NUMBERS.get(key, 0) if key is not None else 0
    return f"2{module}{number:04d}"


def issue_code(issue: Issue) -> str:
    """The Code of one validator issue (see the module table above)."""
    if issue.rule == "length" and issue.value == "":
        return code_for(EMPTY, issue.key)
    if issue.rule == "unknown":
        return code_for(INVALID)
    return code_for(_RULE_MODULES.get(issue.rule, FORMAT), issue.key)


def clean_description(text: str) -> str:
    """Fit a text into Description (ans..1024): '&' and control characters become '?'."""
    text = _NOT_ANS.sub("?", text)
    if len(text) > _DESCRIPTION_MAX:
        text = text[: _DESCRIPTION_MAX - 1] + "…"
    return text or "-"


def describe_issues(issues: Sequence[Issue]) -> str:
    """Every problem in one line, ``Amount: missing; Currency: value not allowed``.

    Values are left out: they may hold anything, and Description is sent back.
    """
    return "; ".join(f"{i.key}: {RULES.get(i.rule, (i.rule, i.rule))[0]}" for i in issues)


def refusal_for(issues: Sequence[Issue]) -> Refusal:
    """The Code names the first problem in table order; Description lists them all."""
    return Refusal(issue_code(issues[0]), describe_issues(issues), {i.key for i in issues})


# --------------------------------------------------------------------------- requests


def split_pairs(text: str) -> tuple[dict[str, str], list[str]] | None:
    """Pairs of a decrypted ``key=value&...`` string, and the keys that came twice.

    None when the text is no such string: a pair without ``=`` or a key that is
    not a parameter name. Blowfish has no integrity check, so this is how data
    encrypted with another key shows.
    """
    params: dict[str, str] = {}
    repeated: list[str] = []
    for pair in text.split("&"):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        if not sep or _KEY(key) is None:
            return None
        if key in params and key not in repeated:
            repeated.append(key)
        params[key] = value
    return params, repeated


def decrypt_request(merchant: Merchant, form: Mapping[str, str]) -> dict[str, str]:
    """The parameters inside Len/Data; Refusal when they are missing or undecryptable."""
    for key in ("Len", "Data"):
        if not form.get(key):
            raise Refusal(code_for(MISSING, key), f"{key}: missing")
    try:
        length = int(form["Len"])
    except ValueError:
        length = -1
    if length < 0 or not form["Len"].isascii() or not form["Len"].isdigit():
        raise Refusal(code_for(FORMAT, "Len"), "Len: not a number of bytes")
    try:
        text = merchant.cipher.decrypt(form["Data"], length)
    except DecryptionError as exc:
        # The message describes the input's shape only, never its content.
        raise Refusal(code_for(CRYPTO, "Data"), f"Data: cannot be decrypted ({exc})") from None
    pairs = split_pairs(text)
    if pairs is None:
        raise Refusal(
            code_for(CRYPTO, "Data"), "Data: does not decrypt to key=value pairs (wrong key?)"
        )
    params, repeated = pairs
    if repeated:
        raise Refusal(code_for(ALREADY, repeated[0]), f"{repeated[0]}: sent twice in Data")
    if params.get("MerchantID", merchant.merchant_id) != merchant.merchant_id:
        raise Refusal(
            code_for(NOT_ALLOWED_VALUE, "MerchantID"),
            "MerchantID: the encrypted MerchantID differs from the plain one",
        )
    return params


def check_request_mac(merchant: Merchant, op: OperationInfo, params: Mapping[str, str]) -> None:
    """Refusal with module 001 when a MAC is present and does not match.

    A missing MAC is left to the validator (module 010).
    """
    received = params.get("MAC")
    if received is None:
        return
    fields = [params.get(name) if name else None for name in op.request_mac]
    if not verify_mac(merchant.hmac_key, fields, received):
        raise Refusal(code_for(CRYPTO, "MAC"), "MAC: does not match the request")


def url_problem(url: str) -> str | None:
    """Why the sandbox will not send a browser or a notify to ``url``; None when it will.

    HTTPS is accepted for any host; plain HTTP only for loopback hosts (a shop
    running on this machine). As the vendor asks, the URL carries no parameters
    (results go in the query string; use UserData for your own values).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not host:
        return "not an http(s) URL with a host"
    if parts.scheme == "http" and not is_loopback_host(host):
        return "plain http is allowed for loopback hosts only (127.0.0.1, ::1, localhost)"
    if parts.query or parts.fragment:
        return "may not contain parameters (use UserData)"
    return None


def custom_pairs(custom: str | None) -> dict[str, str]:
    """The pairs of ``Custom`` (``a=1|b=2``), returned in plain beside the result."""
    pairs: dict[str, str] = {}
    if not custom:
        return pairs
    reserved = {"mid", "payid", "xid", "transid", "status", "description", "code", "mac"}
    reserved |= {"merchantid", "len", "data", "plain", "userdata", "refnr"}
    for part in custom.split("|"):
        key, sep, value = part.partition("=")
        if not sep or not key or key.lower() in reserved or key in pairs:
            raise Refusal(
                code_for(NOT_ALLOWED_VALUE, "Custom"),
                "Custom: pairs key=value separated by '|', with distinct keys that are not "
                "result parameters",
            )
        pairs[key] = value
    return pairs


# --------------------------------------------------------------------------- results


def result_fields(
    merchant: Merchant,
    operation: str,
    *,
    pay_id: str,
    xid: str,
    trans_id: str,
    status: str,
    code: str,
    description: str,
    echo: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A result's parameters with its MAC (over the operation's result MAC fields).

    ``echo`` carries request values returned as they came (UserData, RefNr).
    """
    fields = {
        "mid": merchant.merchant_id,
        "PayID": pay_id,
        "XID": xid,
        "TransID": trans_id,
        "Status": status,
        "Description": clean_description(description),
        "Code": code,
    }
    fields.update(echo or {})
    op = OPERATIONS[operation]
    fields["MAC"] = compute_mac(
        merchant.hmac_key, [fields.get(name) if name else None for name in op.result_mac]
    )
    return fields


def encode_result(
    merchant: Merchant,
    fields: Mapping[str, str],
    *,
    encrypt: bool,
    plain: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The fields as sent: ``MerchantID``/``Len``/``Data`` when encrypted, else as they are.

    ``plain`` (the Plain value and the Custom pairs) always travels unencrypted.
    """
    if encrypt:
        data, length = merchant.cipher.encrypt(join_pairs(fields))
        out = {"MerchantID": merchant.merchant_id, "Len": str(length), "Data": data}
    else:
        out = dict(fields)
    out.update(plain or {})
    return out


def join_pairs(fields: Mapping[str, str]) -> str:
    """Paygate's plaintext: ``key=value&...`` without URL encoding."""
    return "&".join(f"{k}={v}" for k, v in fields.items())


def form_body(fields: Mapping[str, str]) -> str:
    """A form-encoded body (``application/x-www-form-urlencoded``)."""
    return urlencode(list(fields.items()))


def valid_pay_id(value: str | None) -> bool:
    return value is not None and _AN32(value) is not None


def usable_trans_id(value: str | None) -> str:
    return value if value is not None and _TRANSID(value) is not None else NO_TRANSID


_ECHO_LIMITS: Final = {"RefNr": 30, "UserData": 1024}


def echo_fields(
    params: Mapping[str, str], keys: Iterable[str], bad: AbstractSet[str]
) -> dict[str, str]:
    """The request values returned in a refusal, leaving out those that break a rule.

    The check is repeated here because a request refused early (bad MAC) was
    never validated.
    """
    out = {}
    for key in keys:
        value = params.get(key)
        if not value or key in bad or len(value) > _ECHO_LIMITS.get(key, 0):
            continue
        if _NOT_ANS.search(value) is None:
            out[key] = value
    return out
