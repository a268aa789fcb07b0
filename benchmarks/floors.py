"""The floors of the client paths: the same work in bare library calls, as a team would write it.

Request: the MAC over ``PayID*TransID*MerchantID*Amount*Currency`` (HMAC-SHA256,
upper-case hex), the ``key=value&...`` plaintext (Paygate's format is not URL
encoded, so a join, not ``urllib.parse.urlencode``), Blowfish/ECB with zero
padding through one reused ``cryptography`` context (ECB keeps no state, and
the key schedule is paid once, as the runtime does), upper-case hex, the three
form fields. Result: unhex, decrypt, cut to ``Len``, decode, split into pairs,
check the MAC over ``PayID*TransID*mid*Status*Code`` in constant time.

HMAC comes in two kinds, the standard library's ``hmac.digest`` (OpenSSL, one
call) and ``cryptography``'s ``HMAC`` object: the run times both and the floor
takes the faster. "With validator" adds the generated validator of the message:
the floor of what the client does, with the checks it must make.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.decrepit.ciphers.algorithms import Blowfish
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, modes

Mac = Callable[[bytes, bytes], str]


def mac_stdlib(key: bytes, message: bytes) -> str:
    return hmac.digest(key, message, "sha256").hex().upper()


def mac_cryptography(key: bytes, message: bytes) -> str:
    h = crypto_hmac.HMAC(key, hashes.SHA256())
    h.update(message)
    return h.finalize().hex().upper()


class Floor:
    """Bare request and result paths for one merchant (keys as bytes)."""

    def __init__(self, merchant: str, hmac_key: str, cipher_key: str, mac: Mac) -> None:
        self.merchant = merchant
        self.hmac_key = hmac_key.encode()
        cipher = Cipher(Blowfish(cipher_key.encode()), modes.ECB())
        self.encryptor = cipher.encryptor()
        self.decryptor = cipher.decryptor()
        self.mac = mac

    def request(self, params: Mapping[str, str]) -> dict[str, str]:
        fields = ("", params["TransID"], params["MerchantID"], params["Amount"], params["Currency"])
        mac = self.mac(self.hmac_key, "*".join(fields).encode())
        plain = "&".join(f"{k}={v}" for k, v in params.items()) + "&MAC=" + mac
        raw = plain.encode()
        data = self.encryptor.update(raw + b"\0" * (-len(raw) % 8)).hex().upper()
        return {"MerchantID": self.merchant, "Len": str(len(raw)), "Data": data}

    def result(self, fields: Mapping[str, str]) -> dict[str, str]:
        raw = self.decryptor.update(bytes.fromhex(fields["Data"]))
        plain = raw[: int(fields["Len"])].decode()
        params = {}
        for pair in plain.split("&"):
            key, _, value = pair.partition("=")
            params[key] = value
        signed = (params["PayID"], params["TransID"], params["mid"], params["Status"])
        expected = self.mac(self.hmac_key, "*".join((*signed, params["Code"])).encode())
        if not hmac.compare_digest(expected.encode(), params["MAC"].upper().encode()):
            raise ValueError("MAC does not match")
        return params


def with_validator(
    path: Callable[[Any], dict[str, str]], validate: Callable[..., list[Any]], before: bool
) -> Callable[[Any], dict[str, str]]:
    """``path`` with the generated validator run on its input (before) or its output (after)."""

    def checked(arg: Any) -> dict[str, str]:
        if before:
            if validate(arg, with_mac=False):
                raise ValueError("invalid")
            return path(arg)
        out = path(arg)
        if validate(out):
            raise ValueError("invalid")
        return out

    return checked
