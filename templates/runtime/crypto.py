"""MAC and encryption of Paygate calls.

Paygate protects a call in two ways (Computop, "Create an API call and use encryption"):

* an HMAC-SHA256 ``MAC`` over a few fields joined with ``*``
  (request: ``PayID*TransID*MerchantID*Amount*Currency``;
  result: ``PayID*TransID*MerchantID*Status*Code``), sent as upper-case hex;
* the ``key=value&...`` parameter string encrypted into ``Data`` with its byte length in ``Len``.
  The cipher is a per-merchant setting: Blowfish/ECB with zero padding (Computop's classic
  scheme) or AES/CBC with PKCS#7 padding and a random IV, sent as ``hex(IV)-hex(ciphertext)``.

Decryption failures of every kind raise :class:`~.errors.DecryptionError`; the messages never
contain the key, the ciphertext or the plaintext.
"""

import codecs
import hmac
import os
import threading
from collections.abc import Sequence
from typing import Final, NoReturn, Protocol, SupportsIndex, runtime_checkable

from cryptography.hazmat.decrepit.ciphers.algorithms import Blowfish
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher as _CryptoCipher
from cryptography.hazmat.primitives.ciphers import CipherContext, algorithms, modes

from .errors import DecryptionError
from .secrets import Secret

__all__ = [
    "CIPHER_KINDS",
    "FALLBACK_ENCODING",
    "MAC_SEPARATOR",
    "AesCipher",
    "BlowfishCipher",
    "Cipher",
    "compute_mac",
    "mac_input",
    "make_cipher",
    "verify_mac",
]

MAC_SEPARATOR: Final = "*"

#: Encoding tried when decrypted bytes are not valid in the configured encoding. Paygate's
#: notify calls have been seen with ``charset=iso-8859-1``, so a merchant configured for UTF-8
#: may still receive Latin-1 text. ISO-8859-1 maps every byte to a character, so with this
#: fallback decoding never fails; pass ``fallback_encoding=None`` to a cipher to get a
#: DecryptionError instead.
FALLBACK_ENCODING: Final = "iso-8859-1"

#: The values :func:`make_cipher` accepts.
CIPHER_KINDS: Final = ("aes", "blowfish")

_BLOWFISH_BLOCK: Final = 8
_BLOWFISH_KEY_MIN: Final = 4
_BLOWFISH_KEY_MAX: Final = 56
_AES_BLOCK: Final = 16
_AES_KEY_SIZES: Final = (16, 24, 32)


# --------------------------------------------------------------------------- MAC


def mac_input(fields: Sequence[str | None]) -> str:
    """Join the MAC fields with ``*``; ``None`` becomes an empty field.

    A new payment has no PayID yet, so its request MAC input starts with ``*``.
    """
    return MAC_SEPARATOR.join(["" if field is None else field for field in fields])


def compute_mac(key: Secret, fields: Sequence[str | None]) -> str:
    """HMAC-SHA256 of :func:`mac_input` (UTF-8) under ``key``, as upper-case hex."""
    if not isinstance(key, Secret):
        raise TypeError("the MAC key must be a Secret")
    message = mac_input(fields).encode("utf-8")
    return hmac.digest(key.reveal(), message, "sha256").hex().upper()


def verify_mac(key: Secret, fields: Sequence[str | None], received: str) -> bool:
    """Check a received MAC (hex, any case) in constant time.

    The comparison is :func:`hmac.compare_digest` over the whole value; it does not stop at the
    first differing character. A non-ASCII or non-str ``received`` simply does not match.
    """
    if not isinstance(key, Secret):
        raise TypeError("the MAC key must be a Secret")
    expected = hmac.digest(key.reveal(), mac_input(fields).encode("utf-8"), "sha256")
    if not isinstance(received, str):
        return False
    # The digest's 64 hex digits in any case, and nothing else: bytes.fromhex would also
    # skip whitespace, which the length rules out. Anything else compares as b"" and
    # fails. Only the length of `received` influences the timing.
    try:
        candidate = bytes.fromhex(received) if len(received) == 2 * len(expected) else b""
    except ValueError:
        candidate = b""
    return hmac.compare_digest(expected, candidate)


# --------------------------------------------------------------------------- ciphers


@runtime_checkable
class Cipher(Protocol):
    """What the client needs from a cipher: ``Data``/``Len`` in both directions."""

    @property
    def kind(self) -> str:
        """``"blowfish"`` or ``"aes"``."""
        ...

    def encrypt(self, plaintext: str) -> tuple[str, int]:
        """Return ``(Data, Len)`` for ``plaintext``."""
        ...

    def decrypt(self, data: str, length: int) -> str:
        """Return the plaintext of ``Data``/``Len``; raise DecryptionError if malformed."""
        ...


def _secret_bytes(key: Secret) -> bytes:
    if not isinstance(key, Secret):
        raise TypeError("the cipher key must be a Secret")
    return key.reveal()


def _check_encoding(name: str | None, what: str) -> None:
    if name is None:
        return
    try:
        codecs.lookup(name)
    except (LookupError, TypeError):
        raise ValueError(f"unknown {what}: {name!r}") from None


def _unhex(text: str, what: str) -> bytes:
    # bytes.fromhex also skips whitespace: exactly two digits per byte rules that out.
    if len(text) % 2:
        raise DecryptionError(f"{what} has an odd number of hex digits")
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = None
    if raw is None or 2 * len(raw) != len(text):
        raise DecryptionError(f"{what} is not hexadecimal")
    return raw


class _BaseCipher:
    __slots__ = ("_encoding", "_fallback")

    _encoding: str
    _fallback: str | None

    def __init__(self, encoding: str, fallback_encoding: str | None) -> None:
        _check_encoding(encoding, "encoding")
        _check_encoding(fallback_encoding, "fallback encoding")
        self._encoding = encoding
        self._fallback = fallback_encoding

    @property
    def kind(self) -> str:
        raise NotImplementedError

    @property
    def encoding(self) -> str:
        """The encoding of plaintexts (``Len`` counts bytes in this encoding)."""
        return self._encoding

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r})"

    def __format__(self, format_spec: str) -> str:
        return format(repr(self), format_spec)

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(f"{type(self).__name__} objects cannot be pickled")

    @staticmethod
    def _check_length(length: int, available: int) -> int:
        if type(length) is not int:  # bool is an int subclass, and no length
            raise DecryptionError("Len must be an integer")
        if length < 0:
            raise DecryptionError("Len is negative")
        if length > available:
            raise DecryptionError("Len is larger than the decrypted data")
        return length

    def _decode(self, raw: bytes) -> str:
        # The UnicodeDecodeError is not chained: it would carry the plaintext bytes.
        try:
            return raw.decode(self._encoding)
        except UnicodeDecodeError:
            pass
        if self._fallback is not None:
            try:
                return raw.decode(self._fallback)
            except UnicodeDecodeError:
                pass
        raise DecryptionError(f"decrypted data is not valid {self._encoding}")


class BlowfishCipher(_BaseCipher):
    """Computop's classic scheme: Blowfish/ECB, zero padding, upper-case hex ``Data``.

    ``Len`` is the byte length of the encoded plaintext before padding; decryption cuts the
    output to ``Len``. Keys are 4 to 56 bytes. Decrypted bytes that are invalid in ``encoding``
    are decoded with ``fallback_encoding`` (ISO-8859-1 by default, see FALLBACK_ENCODING).
    """

    __slots__ = ("_decryptor", "_encryptor", "_lock")

    def __init__(
        self,
        key: Secret,
        encoding: str = "utf-8",
        *,
        fallback_encoding: str | None = FALLBACK_ENCODING,
    ) -> None:
        raw = _secret_bytes(key)
        if not _BLOWFISH_KEY_MIN <= len(raw) <= _BLOWFISH_KEY_MAX:
            raise ValueError(
                f"a Blowfish key must be {_BLOWFISH_KEY_MIN} to {_BLOWFISH_KEY_MAX} bytes long, "
                f"not {len(raw)} bytes"
            )
        super().__init__(encoding, fallback_encoding)
        # Blowfish's key schedule is expensive (about 25 µs, paid when a context is created),
        # and ECB carries no state from one block to the next. So one encryption and one
        # decryption context are created here and fed whole blocks only; they are never
        # finalized. The lock keeps concurrent callers from sharing a context mid-update.
        cipher = _CryptoCipher(Blowfish(raw), modes.ECB())
        self._encryptor: CipherContext = cipher.encryptor()
        self._decryptor: CipherContext = cipher.decryptor()
        self._lock = threading.Lock()

    @property
    def kind(self) -> str:
        return "blowfish"

    def encrypt(self, plaintext: str) -> tuple[str, int]:
        raw = plaintext.encode(self._encoding)
        length = len(raw)
        padded = raw + b"\0" * (-length % _BLOWFISH_BLOCK)
        with self._lock:
            encrypted = self._encryptor.update(padded)
        return encrypted.hex().upper(), length

    def decrypt(self, data: str, length: int) -> str:
        if type(data) is not str:
            raise DecryptionError("Data must be a string")
        raw = _unhex(data, "Data")
        size = len(raw)
        if size % _BLOWFISH_BLOCK:
            raise DecryptionError(f"Data is not a multiple of {_BLOWFISH_BLOCK} bytes")
        if type(length) is not int or not 0 <= length <= size:
            self._check_length(length, size)  # raises, naming the problem
        with self._lock:
            plain = self._decryptor.update(raw)[:length]
        try:
            return plain.decode(self._encoding)
        except UnicodeDecodeError:
            pass  # not chained: the error carries the plaintext bytes
        return self._decode(plain)


class AesCipher(_BaseCipher):
    """AES/CBC with a random IV and PKCS#7 padding; ``Data`` is ``hex(IV)-hex(ciphertext)``.

    Keys are 16, 24 or 32 bytes. ``Len`` is the byte length of the encoded plaintext;
    decryption cuts the unpadded output to ``Len``.
    """

    __slots__ = ("_algorithm",)

    def __init__(
        self,
        key: Secret,
        encoding: str = "utf-8",
        *,
        fallback_encoding: str | None = FALLBACK_ENCODING,
    ) -> None:
        raw = _secret_bytes(key)
        if len(raw) not in _AES_KEY_SIZES:
            raise ValueError(f"an AES key must be 16, 24 or 32 bytes long, not {len(raw)} bytes")
        super().__init__(encoding, fallback_encoding)
        # The IV is part of the CBC mode object, so only the algorithm (key) is reusable.
        self._algorithm = algorithms.AES(raw)

    @property
    def kind(self) -> str:
        return "aes"

    def encrypt(self, plaintext: str) -> tuple[str, int]:
        raw = plaintext.encode(self._encoding)
        length = len(raw)
        pad = _AES_BLOCK - length % _AES_BLOCK
        iv = os.urandom(_AES_BLOCK)
        encryptor = _CryptoCipher(self._algorithm, modes.CBC(iv)).encryptor()
        body = encryptor.update(raw + bytes((pad,)) * pad) + encryptor.finalize()
        return f"{iv.hex().upper()}-{body.hex().upper()}", length

    def decrypt(self, data: str, length: int) -> str:
        if not isinstance(data, str):
            raise DecryptionError("Data must be a string")
        iv_hex, separator, body_hex = data.partition("-")
        if not separator:
            raise DecryptionError("Data has no '-' between IV and ciphertext")
        iv = _unhex(iv_hex, "the IV")
        if len(iv) != _AES_BLOCK:
            raise DecryptionError(f"the IV is not {_AES_BLOCK} bytes")
        body = _unhex(body_hex, "the ciphertext")
        if not body or len(body) % _AES_BLOCK:
            raise DecryptionError(
                f"the ciphertext is not a positive multiple of {_AES_BLOCK} bytes"
            )
        decryptor = _CryptoCipher(self._algorithm, modes.CBC(iv)).decryptor()
        padded = decryptor.update(body) + decryptor.finalize()
        unpadder = padding.PKCS7(_AES_BLOCK * 8).unpadder()
        try:
            plain = unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            plain = None
        if plain is None:
            raise DecryptionError("bad padding (wrong key or corrupted Data)")
        self._check_length(length, len(plain))
        return self._decode(plain[:length])


def make_cipher(kind: str, key: Secret, encoding: str = "utf-8") -> Cipher:
    """Build the cipher a merchant is configured for: ``"blowfish"`` or ``"aes"``."""
    if kind == "blowfish":
        return BlowfishCipher(key, encoding)
    if kind == "aes":
        return AesCipher(key, encoding)
    allowed = ", ".join(repr(name) for name in CIPHER_KINDS)
    raise ValueError(f"unknown cipher kind {kind!r}; allowed kinds: {allowed}")
