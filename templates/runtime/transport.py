"""The thin runtime: MAC, encrypt, send, decrypt, verify.

``Transport`` turns built parameters into Paygate traffic for any operation
of the spec: a browser form (``form``) or a server-to-server POST (``call``)
on pooled ``requests`` sessions. The generated ``paygate.client.Client`` adds
one typed method per operation on top.

Safe by default, and checked when the ``Config`` is made (``ConfigError``
names the field): TLS certificates are verified against certifi's CA bundle
or ``Config.ca_bundle`` (``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` are not
honoured); switching verification off takes ``insecure_skip_tls_verify=True``
and logs a WARNING for every client made with it. Plain ``http://`` is only
for loopback hosts (the local sandbox). Every call has connect and read
timeouts; retries only where they cannot double an action (see ``_retry``),
at most ``retries`` of them, each after a pause of at most ``backoff_max``
seconds (a server's ``Retry-After`` included); redirects are not followed.
The longest a call can take is ``Config.longest_call_seconds``.

What Paygate answers is trusted only as far as it is proven (``parse_result``):

* ``Data`` decrypted with the merchant's key (and the MAC, where the result
  table has one) fills the typed result; success is ``result.ok``, Code
  ``00000000``, never Status.
* Keys sent unencrypted beside ``Data`` go to ``result.extra``; only the result
  keys the spec names as plain on purpose (``operations.PLAIN_KEYS``, e.g.
  Plain) fill their field, and only where Data lacks them. A result key of
  the table sent beside Data otherwise is logged at WARNING.
* A plain answer (no ``Data``) to an operation whose result table has no MAC
  (reverse, credit, inquire) is never a success: with a failure Code it
  raises ``DeclinedError`` (``result`` None, the Code and Description as
  sent); claiming success or without a Code it raises ``SignatureError``.
  Both are logged at WARNING. A plain result signed with its MAC (a browser
  result without Response=encrypt) is verified like an encrypted one.
* ``Data`` that does not decrypt, a ``Len`` that is not ASCII digits, or
  ``Data``, ``Len`` or ``MAC`` sent twice (in any case) raise
  ``DecryptionError`` or ``SignatureError``; parameters that break the table
  raise ``ValidationError``.

Log messages and errors never contain the keys or decrypted Data.
"""

from __future__ import annotations

import codecs
import html
import ipaddress
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple, NoReturn, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from .codes import SUCCESS, decode_code
from .crypto import CIPHER_KINDS, Cipher, compute_mac, make_cipher, verify_mac
from .errors import (
    ConfigError,
    DeclinedError,
    DecryptionError,
    PaygateError,
    SignatureError,
    TransportError,
    ValidationError,
)
from .operations import (
    BASE_URL,
    DATA,
    LENGTH,
    MERCHANT,
    OPERATIONS,
    PLAIN_KEYS,
    OperationInfo,
)
from .results import RESULT_TABLES, AnyResult, ResultTable
from .secrets import Secret

__all__ = [
    "Config",
    "RedirectForm",
    "Transport",
    "is_loopback_host",
    "join_params",
    "parse_body",
    "split_params",
]

log = logging.getLogger("paygate")

#: A parameter name as Paygate writes them; known keys of a table are valid by definition.
_KEY: Final = re.compile("[A-Za-z][A-Za-z0-9_-]{0,63}").fullmatch

#: 5xx answers worth a retry of a call that carries a ReqId.
RETRY_STATUSES: Final = frozenset({500, 502, 503, 504})

#: The default of ``Config.max_callback_bytes``: an encrypted result with the longest
#: UserData, Custom and Description the spec allows is well below 16 KiB.
MAX_CALLBACK_BYTES: Final = 64 * 1024

_DATA: Final = DATA.lower()
_LENGTH: Final = LENGTH.lower()
_MAC: Final = "mac"
_LEN_DIGITS: Final = 9  # Len is a byte count; ten digits would be gigabytes
_SHOWN: Final = 200  # how much of an unverified text goes into a message
_UNSHOWABLE: Final = re.compile("[\x00-\x1f\x7f-\x9f]")


def _secret(value: object, name: str) -> Secret:
    """A key as a Secret; a str or bytes key is wrapped, so no repr ever shows it."""
    if isinstance(value, Secret):
        secret = value
    elif isinstance(value, str | bytes | bytearray):
        secret = Secret(value)
    else:
        raise ConfigError(f"Config.{name}: a Secret, str or bytes, not {type(value).__name__}")
    if not secret:
        raise ConfigError(f"Config.{name}: empty")
    return secret


def _number(value: object, name: str, *, zero: bool) -> float:
    """A finite number of seconds (or a factor): above 0, or 0 and above where ``zero``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        rule = "0 or more" if zero else "more than 0"
        raise ConfigError(f"Config.{name}: a finite number {rule}, not {value!r}")
    return float(value)


def _count(value: object, name: str, *, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(f"Config.{name}: a whole number of {least} or more, not {value!r}")
    return value


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback IP address (127.0.0.0/8, ::1); no name is resolved."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url(value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"Config.base_url: a URL, not {type(value).__name__}")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        raise ConfigError(f"Config.base_url: not a URL: {value!r}") from None
    if not host or parts.scheme not in ("https", "http"):
        raise ConfigError(f"Config.base_url: an https:// URL with a host, not {value!r}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigError(
            f"Config.base_url: plain http is only for loopback hosts (127.0.0.1, ::1, "
            f"localhost, such as the local sandbox); use https for {host}"
        )
    return value


@dataclass(frozen=True)
class Config:
    """Merchant settings, checked when made: a bad one raises ConfigError naming the field.

    Keys may be given as ``Secret``, ``str`` or ``bytes``; they are kept as Secrets, so
    they never show in repr, str or logs. Timeouts are seconds above 0: ``connect_timeout``
    to connect, ``read_timeout`` for each read of the answer (the time without a byte from
    the server). ``retries`` (0 for none) and the pause before each of them (at most
    ``backoff_max`` seconds, a server's Retry-After included) bound a call: see
    ``longest_call_seconds``. TLS certificates are verified against certifi's bundle or
    ``ca_bundle`` (a file or folder of CA certificates); ``insecure_skip_tls_verify=True``
    turns verification off, with a WARNING logged for each client. ``max_callback_bytes``
    caps a callback (``read_callback``, ``notify_app``: HTTP 413 above it).
    """

    merchant_id: str
    hmac_key: Secret | str | bytes
    cipher_key: Secret | str | bytes
    cipher: str = "blowfish"  # or "aes": a per-merchant setting at Computop
    base_url: str = BASE_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 2
    backoff_factor: float = 0.5
    backoff_max: float = 2.0  # the longest pause backoff_factor 0.5 gives is 1 s
    ca_bundle: str | os.PathLike[str] | None = None
    insecure_skip_tls_verify: bool = False
    max_callback_bytes: int = MAX_CALLBACK_BYTES
    encoding: str = "utf-8"
    user_agent: str = field(default="paygate-python")

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        if not isinstance(self.merchant_id, str) or not self.merchant_id:
            raise ConfigError("Config.merchant_id: the MerchantID Computop assigned, not empty")
        put("hmac_key", _secret(self.hmac_key, "hmac_key"))
        put("cipher_key", _secret(self.cipher_key, "cipher_key"))
        if self.cipher not in CIPHER_KINDS:
            allowed = ", ".join(CIPHER_KINDS)
            raise ConfigError(f"Config.cipher: one of {allowed}, not {self.cipher!r}")
        put("base_url", _base_url(self.base_url))
        put("connect_timeout", _number(self.connect_timeout, "connect_timeout", zero=False))
        put("read_timeout", _number(self.read_timeout, "read_timeout", zero=False))
        put("retries", _count(self.retries, "retries", least=0))
        put("backoff_factor", _number(self.backoff_factor, "backoff_factor", zero=True))
        put("backoff_max", _number(self.backoff_max, "backoff_max", zero=False))
        put("max_callback_bytes", _count(self.max_callback_bytes, "max_callback_bytes", least=1))
        if not isinstance(self.insecure_skip_tls_verify, bool):
            raise ConfigError(
                f"Config.insecure_skip_tls_verify: True or False, "
                f"not {self.insecure_skip_tls_verify!r}"
            )
        if self.ca_bundle is not None:
            if self.insecure_skip_tls_verify:
                raise ConfigError(
                    "Config.ca_bundle: set, but insecure_skip_tls_verify turns verification off"
                )
            bundle = os.fspath(self.ca_bundle)
            if not os.path.exists(bundle):
                raise ConfigError(f"Config.ca_bundle: no such file or folder: {bundle}")
            put("ca_bundle", bundle)
        try:
            codecs.lookup(self.encoding)
        except (LookupError, TypeError):
            raise ConfigError(f"Config.encoding: unknown encoding {self.encoding!r}") from None

    @property
    def longest_call_seconds(self) -> float:
        """The longest a server-to-server call waits, when each read gets its first byte in time.

        ``retries + 1`` attempts of at most ``connect_timeout + read_timeout`` each, and a
        pause of at most ``backoff_max`` before each retry. Not counted: resolving the
        host name, and a server that keeps sending a byte within each ``read_timeout``.
        """
        attempts = self.retries + 1
        return attempts * (self.connect_timeout + self.read_timeout) + self.retries * (
            self.backoff_max
        )

    @classmethod
    def from_env(cls, prefix: str = "PAYGATE_", **overrides: Any) -> Config:
        """Read PAYGATE_MERCHANT_ID, _HMAC_KEY, _CIPHER_KEY, _CIPHER, _BASE_URL."""
        env = os.environ
        missing = [n for n in ("MERCHANT_ID", "HMAC_KEY", "CIPHER_KEY") if not env.get(prefix + n)]
        if missing and not all(k.lower() in overrides for k in missing):
            names = ", ".join(prefix + n for n in missing)
            raise ConfigError(f"configuration missing: set {names}")
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


class _Retry(Retry):
    """urllib3's Retry, with a server's Retry-After capped at ``backoff_max``.

    Paygate (or a proxy before it) answering 503 with ``Retry-After: 3600`` must not
    hold a call for an hour: every pause between attempts stays within the bound
    that ``Config.longest_call_seconds`` documents.
    """

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.backoff_max)


def _retry(config: Config, idempotent: bool) -> Retry:
    """Connection failures are always retried: the request never reached Paygate.

    A read timeout or a 5xx may come after Paygate acted, so only a call that
    carries a ReqId is resent: Paygate answers a repeated ReqId with the
    original result instead of acting twice. ``total`` bounds the retries of
    every kind together.
    """
    if idempotent:
        return _Retry(
            total=config.retries,
            connect=config.retries,
            read=config.retries,
            status=config.retries,
            other=0,
            redirect=0,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"POST"}),
            backoff_factor=config.backoff_factor,
            backoff_max=config.backoff_max,
            raise_on_status=False,
            raise_on_redirect=False,
            respect_retry_after_header=True,
        )
    return _Retry(
        total=config.retries,
        connect=config.retries,
        read=0,
        status=0,
        other=0,
        redirect=0,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,  # excludes POST; read/status are 0 anyway
        backoff_factor=config.backoff_factor,
        backoff_max=config.backoff_max,
        raise_on_status=False,
        raise_on_redirect=False,
    )


def _verify(config: Config) -> str | bool:
    """What requests checks certificates with: a path (so no environment variable
    replaces it), or False when the config insists."""
    if config.insecure_skip_tls_verify:
        return False
    return os.fspath(config.ca_bundle) if config.ca_bundle is not None else DEFAULT_CA_BUNDLE_PATH


def _session(config: Config, idempotent: bool) -> requests.Session:
    s = requests.Session()
    adapter = HTTPAdapter(max_retries=_retry(config, idempotent), pool_maxsize=10)
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    s.verify = _verify(config)
    s.headers["User-Agent"] = config.user_agent
    return s


def join_params(params: Mapping[str, str]) -> str:
    """Paygate's plaintext: key=value&… without URL encoding (values hold no '&')."""
    return "&".join(map("=".join, params.items()))  # C-level joins: on every request


def split_params(text: str) -> dict[str, str]:
    """The inverse of join_params; a pair without '=' is kept with an empty value."""
    out: dict[str, str] = {}
    for pair in text.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            out[key] = value
    return out


def _shown(text: str | None) -> str:
    """An unverified text as it may stand in a message: one line, cut to a few words."""
    if not text:
        return "-"
    text = _UNSHOWABLE.sub("?", text)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


class _Plan(NamedTuple):
    """One result table, prepared for reading in a single pass."""

    op: OperationInfo
    table: ResultTable
    mac_key: str  # how MAC is looked up among the matched keys
    mac_fields: tuple[str | None, ...]  # the result MAC fields, as they are looked up
    plain: frozenset[str]  # the table's keys that may come in plain beside Data


def _plan(op: OperationInfo) -> _Plan:
    table = RESULT_TABLES[op.result]

    def look(key: str) -> str:
        return key.lower() if table.case_insensitive else key

    mac_key = next((k for k in table.keys if k.lower() == _MAC), look("MAC"))
    plain = frozenset(look(k) for k in PLAIN_KEYS) & table.keys
    mac_fields = tuple(look(f) if f else None for f in op.result_mac)
    return _Plan(op, table, mac_key, mac_fields, plain)


def _envelope(
    fields: Mapping[str, str] | Iterable[tuple[str, str]],
) -> tuple[list[tuple[str, str]], str | None, str | None]:
    """The pairs beside Data, and the values of Data and Len (None when absent).

    Data, Len and MAC may come once each, in any case: a second one is an error,
    never "the last one wins".
    """
    pairs = fields.items() if isinstance(fields, Mapping) else fields
    beside: list[tuple[str, str]] = []
    data = length = None
    mac = False
    for key, value in pairs:
        low = key.lower()
        if low == _DATA:
            if data is not None:
                raise DecryptionError(f"{DATA} is sent more than once")
            data = value
        elif low == _LENGTH:
            if length is not None:
                raise DecryptionError(f"{LENGTH} is sent more than once")
            length = value
        else:
            if low == _MAC:
                if mac:
                    raise SignatureError("MAC is sent more than once")
                mac = True
            beside.append((key, value))
    return beside, data, length


def _match(
    table: ResultTable, pairs: list[tuple[str, str, str]]
) -> tuple[dict[str, str], dict[str, str]]:
    """The parameters by the keys the table matches, and those it does not name (as sent).

    ``pairs`` are ``(key, "=", value)`` as ``str.partition`` gives them. A key that
    comes twice, in any case, is an error: the text Paygate protected never repeats
    a key, so a second one can only be a forgery or corruption. A key the table does
    not name must look like a parameter name (garbage shows a corrupt block of Data).
    """
    keys = table.keys
    if table.case_insensitive:
        params = {k.lower(): v for k, _, v in pairs}
        if len(params) != len(pairs):
            _raise_repeated(pairs)
        if params.keys() <= keys:
            return params, {}
        unknown = {k: v for k, _, v in pairs if k.lower() not in keys}
    else:
        params = {k: v for k, _, v in pairs}
        if len({k.lower() for k in params}) != len(pairs):
            _raise_repeated(pairs)
        if params.keys() <= keys:
            return params, {}
        unknown = {k: v for k, _, v in pairs if k not in keys}
    for key in unknown:
        if _KEY(key) is None:
            raise DecryptionError(f"a key of decrypted {DATA} is not a parameter name: corrupt")
    return params, unknown


def _raise_repeated(pairs: list[tuple[str, str, str]]) -> NoReturn:
    seen: set[str] = set()
    for key, _, _ in pairs:
        if key.lower() in seen:
            raise DecryptionError(f"{key} is sent more than once")
        seen.add(key.lower())
    raise AssertionError("no key is repeated")


class Transport:
    """Sends Paygate calls for one merchant. Thread-safe; reuse one per process."""

    def __init__(self, config: Config) -> None:
        self.config = config
        assert isinstance(config.hmac_key, Secret) and isinstance(config.cipher_key, Secret)
        self._hmac_key: Secret = config.hmac_key
        self._cipher: Cipher = make_cipher(config.cipher, config.cipher_key, config.encoding)
        self._verify = _verify(config)
        self._plain = _session(config, idempotent=False)
        self._with_reqid = _session(config, idempotent=True)
        self._plans = {op.id: _plan(op) for op in OPERATIONS.values()}
        if config.insecure_skip_tls_verify:
            log.warning(
                "insecure_skip_tls_verify=True: TLS certificates are NOT verified for %s; "
                "anyone on the network path can read and change this merchant's traffic",
                config.base_url,
            )

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
        get = params.get
        fields = [get(f) if f else None for f in OPERATIONS[operation].request_mac]
        mac = compute_mac(self._hmac_key, fields)
        data, length = self._cipher.encrypt(f"{join_params(params)}&MAC={mac}")
        return {MERCHANT: self.config.merchant_id, LENGTH: str(length), DATA: data}

    def form(self, operation: str, params: Mapping[str, str]) -> RedirectForm:
        """MAC and encrypt built parameters for a browser-form operation."""
        trans_id = params.get("TransID", "")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: form for TransID %s", operation, trans_id)
        url = self._url(OPERATIONS[operation])
        return RedirectForm(url, self.encrypt_request(operation, params), trans_id)

    @staticmethod
    def raise_if_declined(result: AnyResult) -> None:
        """DeclinedError unless the verified result's Code is success (Status does not count).

        The message gives Status, the decoded Code and the Description Paygate sent.
        """
        if result.Code != SUCCESS:
            status = getattr(result, "Status", None)
            description = getattr(result, "Description", None)
            raise DeclinedError(
                f"{status}: {result.code_info.text()}. Description: {_shown(description)}",
                code=result.Code,
                pay_id=getattr(result, "PayID", None),
                result=result,
                description=description,
            )

    def call(self, operation: str, params: Mapping[str, str]) -> AnyResult:
        """POST built parameters to a server-to-server operation; the verified result.

        Raises TransportError when Paygate cannot be reached or answers other than
        HTTP 200, and whatever ``parse_result`` raises for an unproven answer.
        """
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
                verify=self._verify,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TransportError(f"{operation}: {type(exc).__name__} calling {url}") from None
        if response.status_code != 200:
            raise TransportError(f"{operation}: HTTP {response.status_code} from {url}")
        pairs = parse_body_pairs(response.content, response.headers.get("Content-Type", ""))
        try:
            result = self.parse_result(operation, pairs)
        except DeclinedError:
            raise  # a plain failure answer, logged where it was read
        except PaygateError as exc:
            log.warning("%s: answer refused: %s: %s", operation, type(exc).__name__, exc)
            raise
        log.info("%s: Code=%s PayID=%s", operation, result.Code, getattr(result, "PayID", None))
        return result

    # -- results --------------------------------------------------------------

    def decrypt_result(
        self, fields: Mapping[str, str] | Iterable[tuple[str, str]]
    ) -> dict[str, str]:
        """The parameters inside Len/Data (no MAC check, nothing beside Data); as sent
        when there is no Data."""
        beside, data, length = _envelope(fields)
        if data is None:
            return dict(beside)
        return split_params(self._open(data, length))

    def _open(self, data: str, length: str | None) -> str:
        """The decrypted parameter string of Data/Len."""
        if length is None:
            raise DecryptionError(f"{DATA} without {LENGTH}")
        # int() would also take " 12 ", "1_2" and other digits such as "١٢".
        if not (length.isascii() and length.isdigit()) or len(length) > _LEN_DIGITS:
            raise DecryptionError(f"{LENGTH} is not a number of bytes in ASCII digits")
        text = self._cipher.decrypt(data, int(length))
        # The vendor's MAC covers only PayID, TransID, mid, Status and Code, and ECB has
        # no integrity check: refuse decrypted text that cannot be a parameter string
        # (control characters here, odd keys in _match), so a corrupted block elsewhere
        # in Data does not pass unnoticed.
        if not text.isprintable() and _UNSHOWABLE.search(text) is not None:
            raise DecryptionError(
                f"decrypted {DATA} is not a key=value string: wrong key or corrupt"
            )
        return text

    def parse_result(
        self, operation: str, fields: Mapping[str, str] | Iterable[tuple[str, str]]
    ) -> AnyResult:
        """Decrypt, verify the MAC and type a result; raises on anything unproven.

        ``fields`` are the form fields as received (a mapping, or the pairs in order).
        Whether a payment succeeded is ``result.ok`` (Code 00000000), never Status or
        the URL the result arrived at: Data sent to URLFailure can be replayed to
        URLSuccess, and only the Code inside it is signed. See the module docstring
        for what each kind of answer gives.
        """
        plan = self._plans[operation]
        op, table = plan.op, plan.table
        beside, data, length = _envelope(fields)
        if data is not None:
            # The common case in one plain loop (the hot path of every result): all keys
            # named by the table, none repeated. Anything else takes _match's exact way.
            parts = self._open(data, length).split("&")
            params: dict[str, str] = {}
            if table.case_insensitive:
                for part in parts:
                    key, _, value = part.partition("=")
                    params[key.lower()] = value
            else:
                for part in parts:
                    key, _, value = part.partition("=")
                    params[key] = value
            unknown: dict[str, str] = {}
            if len(params) != len(parts) or not params.keys() <= table.keys:
                params, unknown = _match(table, [p.partition("=") for p in parts if p])
            extra: dict[str, str] = {}
            untrusted = []
            for key, value in beside:
                name = key.lower() if table.case_insensitive else key
                if name in plan.plain and name not in params:
                    params[name] = value  # sent in plain on purpose (Plain)
                    continue
                if name in table.keys and name not in plan.plain:
                    untrusted.append(key)
                extra[key] = value
            if untrusted:
                log.warning(
                    "%s: %s sent unencrypted beside %s: kept in extra, not trusted",
                    op.result,
                    ", ".join(sorted(untrusted)),
                    DATA,
                )
            if unknown:
                extra.update(unknown)
        elif op.result_has_mac:
            # A plain result is trusted only as far as its MAC covers it.
            params, extra = _match(table, [(k, "=", v) for k, v in beside])
        else:
            self._refuse_plain(op, beside)
        get = params.get
        mac = get(plan.mac_key)
        if mac is None:
            if op.result_has_mac:
                raise SignatureError(f"{op.result}: no MAC", code=get("code"), pay_id=get("payid"))
        elif not verify_mac(self._hmac_key, [get(f) if f else None for f in plan.mac_fields], mac):
            raise SignatureError(
                f"{op.result}: MAC does not match", code=get("code"), pay_id=get("payid")
            )
        try:
            return table.typed(params, extra)
        except ValidationError as exc:
            exc.code = get("code")
            exc.pay_id = get("payid")
            raise

    @staticmethod
    def _refuse_plain(op: OperationInfo, fields: list[tuple[str, str]]) -> NoReturn:
        """A plain answer where the table has no MAC: never a success, never a result.

        Paygate answers some errors in plain (an unknown MerchantID, for one): with a
        well-formed failure Code that is a DeclinedError. Anything else, a success
        Code included, is not Paygate's answer: a SignatureError.
        """
        folded = {k.lower(): v for k, v in fields}
        code = folded.get("code")
        if code is None or code == SUCCESS or decode_code(code).severity == "?":
            what = "claims success" if code == SUCCESS else "has no valid Code"
            log.warning("%s: unencrypted answer %s: refused", op.result, what)
            raise SignatureError(
                f"{op.result}: the answer is not encrypted and {what}; only {DATA} "
                "encrypted with the merchant's key can be a success"
            )
        description = folded.get("description")
        log.warning("%s: unencrypted answer with Code %s, not verified: a failure", op.result, code)
        raise DeclinedError(
            f"{_shown(folded.get('status'))}: {decode_code(code).text()}. "
            f"Description: {_shown(description)} (unencrypted answer, not verified)",
            code=code,
            description=description,
        )


def parse_body_pairs(body: bytes, content_type: str = "") -> list[tuple[str, str]]:
    """The form fields of a body in order; ISO-8859-1 when the content type says so."""
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
        return parse_qsl(text, keep_blank_values=True, encoding=charset, errors="strict")
    except UnicodeDecodeError:
        return parse_qsl(text, keep_blank_values=True, encoding="iso-8859-1")


def parse_body(body: bytes, content_type: str = "") -> dict[str, str]:
    """Form fields of a callback body; ISO-8859-1 when the content type says so."""
    return dict(parse_body_pairs(body, content_type))
