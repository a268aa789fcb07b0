"""A wrapper that keeps key material out of logs, tracebacks and pickles."""

import hmac
from typing import Any, NoReturn, SupportsIndex

__all__ = ["Secret"]

_MASK = "Secret('***')"


class Secret:
    """Key material (HMAC key, Blowfish or AES key) that never shows up in any text form.

    ``str``, ``repr``, ``format`` (f-strings, ``%s``, ``%r``, ``str.format``) all give
    ``Secret('***')``. Pickling is refused, so a Secret cannot end up in a cache or a queue by
    accident; ``copy``/``deepcopy`` return the same (immutable) object. Equality between two
    Secrets is constant-time; a Secret never equals a plain ``str`` or ``bytes``. Use
    :meth:`reveal` to get the bytes where the key is really needed.
    """

    __slots__ = ("_value",)
    _value: bytes

    def __init__(self, value: "str | bytes | bytearray | Secret") -> None:
        raw: bytes
        if isinstance(value, Secret):
            raw = value._value
        elif isinstance(value, str):
            raw = value.encode("utf-8")
        elif isinstance(value, bytes | bytearray):
            raw = bytes(value)
        else:
            raise TypeError(f"Secret expects str or bytes, not {type(value).__name__}")
        object.__setattr__(self, "_value", raw)

    def reveal(self) -> bytes:
        """Return the key material as bytes (a ``str`` key is encoded as UTF-8)."""
        return self._value

    def __repr__(self) -> str:
        return _MASK

    def __str__(self) -> str:
        return _MASK

    def __format__(self, format_spec: str) -> str:
        # Width/alignment apply to the mask; the value itself never reaches the formatter.
        return format(_MASK, format_spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return hmac.compare_digest(self._value, other._value)
        return NotImplemented

    # Defining __eq__ makes instances unhashable; keep it that way (a hash could leak).
    __hash__ = None  # type: ignore[assignment]

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Secret is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("Secret is immutable")

    def __copy__(self) -> "Secret":
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> "Secret":
        return self

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError("Secret objects cannot be pickled")

    def __reduce__(self) -> NoReturn:
        raise TypeError("Secret objects cannot be pickled")

    def __getstate__(self) -> NoReturn:
        raise TypeError("Secret objects cannot be pickled")
