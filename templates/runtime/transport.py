"""The thin runtime: MAC, encrypt, send, decrypt, verify.

``Transport`` turns built parameters into Paygate traffic for any operation
of the spec: a browser form (``form``) or a server-to-server POST (``call``)
on pooled ``requests`` sessions. The generated ``paygate.client.Client`` adds
one typed method per operation on top. Safe by default: TLS verification on,
connect and read timeouts on every call, and retries only where they cannot
double an action (see ``_retry``).
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Self
from urllib.parse import parse_qsl, urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .codes import SUCCESS
from .crypto import Cipher, compute_mac, make_cipher, verify_mac
from .errors import (
    DeclinedError,
    DecryptionError,
    PaygateError,
    SignatureError,
    TransportError,
    ValidationError,
)
from .operations import BASE_URL, OPERATIONS, OperationInfo
from .results import PARSERS, AnyResult
from .secrets import Secret

__all__ = ["Config", "RedirectForm", "Transport", "join_params", "parse_body", "split_params"]

log = logging.getLogger("paygate")

_PAIR: Final = "[A-Za-z][A-Za-z0-9_-]{0,63}(?:=[^&\x00-\x1f\x7f-\x9f]*)?"
_PARAM_STRING: Final = re.compile(f"(?:{_PAIR}(?:&{_PAIR})*)?&?")

#: 5xx answers worth a retry of a call that carries a ReqId.
RETRY_STATUSES: Final = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class Config:
    """Merchant settings. Keys are Secrets: they never show in repr, str or logs."""

    merchant_id: str
    hmac_key: Secret
    cipher_key: Secret
    cipher: str = "blowfish"  # or "aes": a per-merchant setting at Computop
    base_url: str = BASE_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 2
    backoff_factor: float = 0.5
    verify_tls: bool = True
    encoding: str = "utf-8"
    user_agent: str = field(default="paygate-python")

    @classmethod
    def from_env(cls, prefix: str = "PAYGATE_", **overrides: Any) -> Config:
        """Read PAYGATE_MERCHANT_ID, _HMAC_KEY, _CIPHER_KEY, _CIPHER, _BASE_URL."""
        env = os.environ
        missing = [n for n in ("MERCHANT_ID", "HMAC_KEY", "CIPHER_KEY") if not env.get(prefix + n)]
        if missing and not all(k.lower() in overrides for k in missing):
            names = ", ".join(prefix + n for n in missing)
            raise PaygateError(f"configuration missing: set {names}")
        values: dict[str, Any] = {
            "merchant_id": env.get(prefix + "MERCHANT_ID", ""),
            "hmac_key": Secret(env.get(prefix + "HMAC_KEY", "")),
            "cipher_key": Secret(env.get(prefix + "CIPHER_KEY", "")),
            "cipher": env.get(prefix + "CIPHER", "blowfish"),
            "base_url": env.get(prefix + "BASE_URL", BASE_URL),
        }
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class RedirectForm:
    """Where and what the shop's page sends the customer's browser for a payment."""

    url: str
    fields: Mapping[str, str]
    TransID: str

    @property
    def redirect_url(self) -> str:
        """The same call as a GET URL, for a plain HTTP redirect."""
        return f"{self.url}?{urlencode(dict(self.fields))}"

    def html(self) -> str:
        """A minimal auto-submitting form; every value is HTML-escaped."""
        inputs = "\n".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in self.fields.items()
        )
        return (
            '<!DOCTYPE html>\n<html><body onload="document.forms[0].submit()">\n'
            f'<form method="post" action="{html.escape(self.url)}">\n{inputs}\n'
            '<noscript><button type="submit">Continue to payment</button></noscript>\n'
            "</form>\n</body></html>\n"
        )


def _retry(config: Config, idempotent: bool) -> Retry:
    """Connection failures are always retried: the request never reached Paygate.

    A read timeout or a 5xx may come after Paygate acted, so only a call that
    carries a ReqId is resent: Paygate answers a repeated ReqId with the
    original result instead of acting twice.
    """
    if idempotent:
        return Retry(
            total=None,
            connect=config.retries,
            read=config.retries,
            status=config.retries,
            other=0,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"POST"}),
            backoff_factor=config.backoff_factor,
            raise_on_status=False,
            respect_retry_after_header=True,
        )
    return Retry(
        total=None,
        connect=config.retries,
        read=0,
        status=0,
        other=0,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,  # excludes POST; read/status are 0 anyway
        backoff_factor=config.backoff_factor,
        raise_on_status=False,
    )


def _session(config: Config, idempotent: bool) -> requests.Session:
    s = requests.Session()
    adapter = HTTPAdapter(max_retries=_retry(config, idempotent), pool_maxsize=10)
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    s.verify = config.verify_tls
    s.headers["User-Agent"] = config.user_agent
    return s


def join_params(params: Mapping[str, str]) -> str:
    """Paygate's plaintext: key=value&… without URL encoding (values hold no '&')."""
    return "&".join(f"{k}={v}" for k, v in params.items())


def split_params(text: str) -> dict[str, str]:
    """The inverse of join_params; a pair without '=' is kept with an empty value."""
    out: dict[str, str] = {}
    for pair in text.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            out[key] = value
    return out


class Transport:
    """Sends Paygate calls for one merchant. Thread-safe; reuse one per process."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._cipher: Cipher = make_cipher(config.cipher, config.cipher_key, config.encoding)
        self._plain = _session(config, idempotent=False)
        self._with_reqid = _session(config, idempotent=True)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(merchant_id={self.config.merchant_id!r}, base_url={self.config.base_url!r})"

    def close(self) -> None:
        self._plain.close()
        self._with_reqid.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -------------------------------------------------------------

    def _url(self, op: OperationInfo) -> str:
        return self.config.base_url.rstrip("/") + "/" + op.endpoint

    def encrypt_request(self, operation: str, params: Mapping[str, str]) -> dict[str, str]:
        """MAC the built parameters, encrypt them into Data, and return the form fields."""
        op = OPERATIONS[operation]
        mac = compute_mac(
            self.config.hmac_key, [params.get(f) if f else None for f in op.request_mac]
        )
        data, length = self._cipher.encrypt(join_params({**params, "MAC": mac}))
        return {"MerchantID": self.config.merchant_id, "Len": str(length), "Data": data}

    def form(self, operation: str, params: Mapping[str, str]) -> RedirectForm:
        """MAC and encrypt built parameters for a browser-form operation."""
        op = OPERATIONS[operation]
        log.debug("%s: form for TransID %s", operation, params.get("TransID"))
        return RedirectForm(
            self._url(op), self.encrypt_request(operation, params), params.get("TransID", "")
        )

    @staticmethod
    def raise_if_declined(result: AnyResult) -> None:
        """DeclinedError unless the verified result's Code is success."""
        if result.Code != SUCCESS:
            status = getattr(result, "Status", None)
            raise DeclinedError(
                f"{status}: {result.code_info.text()}",
                code=result.Code,
                pay_id=getattr(result, "PayID", None),
                result=result,
            )

    def call(self, operation: str, params: Mapping[str, str]) -> AnyResult:
        """POST built parameters to a server-to-server operation; the verified result."""
        op = OPERATIONS[operation]
        session = (
            self._with_reqid
            if op.idempotency_key and params.get(op.idempotency_key)
            else self._plain
        )
        url = self._url(op)
        log.info(
            "%s: POST %s TransID=%s PayID=%s",
            operation,
            op.endpoint,
            params.get("TransID"),
            params.get("PayID"),
        )
        try:
            response = session.post(
                url,
                data=self.encrypt_request(operation, params),
                timeout=(self.config.connect_timeout, self.config.read_timeout),
            )
        except requests.RequestException as exc:
            raise TransportError(f"{operation}: {type(exc).__name__} calling {url}") from None
        if response.status_code != 200:
            raise TransportError(f"{operation}: HTTP {response.status_code} from {url}")
        charset = response.encoding or "utf-8"
        fields = dict(
            parse_qsl(response.content.decode(charset, "replace"), keep_blank_values=True)
        )
        result = self.parse_result(operation, fields)
        log.info("%s: Code=%s PayID=%s", operation, result.Code, getattr(result, "PayID", None))
        return result

    # -- results --------------------------------------------------------------

    def decrypt_result(self, fields: Mapping[str, str]) -> dict[str, str]:
        """The result's parameters: decrypted from Len/Data when present, else as sent.

        Plain keys sent beside Data (Custom pairs, Plain) are kept; decrypted keys win.
        """
        folded = {k.lower(): k for k in fields}
        if "data" not in folded:
            return dict(fields)
        data = fields[folded["data"]]
        try:
            length = int(fields[folded["len"]]) if "len" in folded else -1
        except ValueError:
            raise DecryptionError("Len is not a number") from None
        if length < 0:
            raise DecryptionError("Data without a valid Len")
        text = self._cipher.decrypt(data, length)
        # The vendor's MAC covers only PayID, TransID, mid, Status and Code, and ECB has
        # no integrity check: refuse decrypted text that cannot be a parameter string
        # (odd keys, control characters), so a corrupted block elsewhere in Data does
        # not pass unnoticed.
        if _PARAM_STRING.fullmatch(text) is None:
            raise DecryptionError("decrypted Data is not a key=value string: wrong key or corrupt")
        plain = split_params(text)
        extra = {k: v for k, v in fields.items() if k.lower() not in {"data", "len"}}
        return {**extra, **plain}

    def parse_result(self, operation: str, fields: Mapping[str, str]) -> AnyResult:
        """Decrypt, verify the MAC and type a result; raises on anything unproven.

        Whether a payment succeeded is ``result.ok`` (Code 00000000), never the
        URL the result arrived at: Data sent to URLFailure can be replayed to
        URLSuccess, and only the Code inside it is signed.
        """
        op = OPERATIONS[operation]
        params = self.decrypt_result(fields)
        folded = {k.lower(): v for k, v in params.items()}
        mac = folded.get("mac")
        if mac is None:
            if op.result_has_mac:
                raise SignatureError(
                    f"{op.result}: no MAC", code=folded.get("code"), pay_id=folded.get("payid")
                )
        else:
            mac_fields = [folded.get(f.lower()) if f else None for f in op.result_mac]
            if not verify_mac(self.config.hmac_key, mac_fields, mac):
                raise SignatureError(
                    f"{op.result}: MAC does not match",
                    code=folded.get("code"),
                    pay_id=folded.get("payid"),
                )
        try:
            return PARSERS[op.result](params)
        except ValidationError as exc:
            exc.code = folded.get("code")
            exc.pay_id = folded.get("payid")
            raise


def parse_body(body: bytes, content_type: str = "") -> dict[str, str]:
    """Form fields of a callback body; ISO-8859-1 when the content type says so."""
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        text = body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        text = body.decode("iso-8859-1")
        charset = "iso-8859-1"
    try:
        return dict(parse_qsl(text, keep_blank_values=True, encoding=charset, errors="strict"))
    except UnicodeDecodeError:
        return dict(parse_qsl(text, keep_blank_values=True, encoding="iso-8859-1"))
