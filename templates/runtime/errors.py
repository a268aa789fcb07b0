"""The one exception hierarchy of the paygate runtime.

Every error the runtime raises on purpose is a PaygateError. Where Paygate
answered, the error carries the ``Code``, its decoded meaning and the PayID.
Messages never contain the HMAC key, the cipher key, or decrypted Data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .codes import CodeInfo, decode_code
from .issues import Issue


class Verified(Protocol):
    """What every typed result of ``paygate.results`` offers a declined call."""

    @property
    def Code(self) -> str: ...

    @property
    def ok(self) -> bool: ...


__all__ = [
    "ConfigError",
    "DeclinedError",
    "DecryptionError",
    "PaygateError",
    "SignatureError",
    "TooLargeError",
    "TransportError",
    "ValidationError",
]


class PaygateError(Exception):
    """Base class of every error the paygate runtime raises on purpose."""

    def __init__(self, message: str, *, code: str | None = None, pay_id: str | None = None):
        super().__init__(message)
        self.code = code
        self.pay_id = pay_id

    @property
    def code_info(self) -> CodeInfo | None:
        """The decoded Code (severity, module, parameter; EN and DE), if Paygate sent one."""
        return decode_code(self.code) if self.code else None


class ValidationError(PaygateError, ValueError):
    """Parameters break the spec; ``issues`` lists every problem, not only the first."""

    def __init__(self, message_id: str, issues: Sequence[Issue], *, lang: str = "en") -> None:
        self.message_id = message_id
        self.issues = list(issues)
        n = len(self.issues)
        lines = "".join(f"\n  - {i.message(lang)}" for i in self.issues)
        super().__init__(f"{message_id}: {n} problem{'s' if n != 1 else ''}{lines}")


class ConfigError(PaygateError, ValueError):
    """A Config setting is missing or unsafe; the message names the field and the rule."""


class TransportError(PaygateError):
    """Paygate could not be reached, timed out, or answered with an HTTP error."""


class SignatureError(PaygateError):
    """A result's MAC is missing or does not match: the result is not from Paygate."""


class DecryptionError(PaygateError):
    """Encrypted ``Data``/``Len`` could not be decrypted.

    The message describes what was wrong with the input (bad hex, wrong length, bad padding,
    undecodable text) but never contains the data, the plaintext or the key.
    """


class TooLargeError(PaygateError):
    """A callback is larger than ``Config.max_callback_bytes``; answer it with HTTP 413."""


class DeclinedError(PaygateError):
    """Paygate answered with a Code other than success.

    ``result`` is the verified, typed result; it is None when Paygate answered in
    plain text (an error such as an unknown MerchantID), which is never verified
    and never a success. ``description`` is the Description Paygate sent, also
    part of the message.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        pay_id: str | None = None,
        result: Verified | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(message, code=code, pay_id=pay_id)
        self.result: Verified | None = result
        self.description = description
