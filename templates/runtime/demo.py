"""The demo merchant of the local sandbox: public test credentials, for loopback only.

``paygate sandbox`` started without credentials plays Paygate for this
merchant, and the client reaches it with one line::

    from paygate.client import Client
    from paygate.demo import sandbox_config

    client = Client(sandbox_config())  # the sandbox at http://127.0.0.1:8080/

The keys below are published with the package, so they protect nothing: they
are for the sandbox on this machine only. ``sandbox_config`` refuses any
address but a loopback one, so they are never sent to Paygate itself. For
your own merchant, use ``Config(...)`` or ``Config.from_env()`` with the keys
Computop gave you.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

from .errors import PaygateError
from .secrets import Secret
from .transport import Config, is_loopback_host

__all__ = [
    "CIPHER",
    "CIPHER_KEY",
    "HMAC_KEY",
    "MERCHANT_ID",
    "SANDBOX_URL",
    "is_loopback_host",
    "sandbox_config",
]

#: The demo merchant's MerchantID (ans..30, as the spec's MerchantID).
MERCHANT_ID: Final = "DemoShop"
#: TEST ONLY: public keys, known to everyone who has this package.
HMAC_KEY: Final = "TEST-ONLY-demo-hmac-key"
CIPHER_KEY: Final = "TEST-ONLY-demo-blowfish-key"
CIPHER: Final = "blowfish"
#: Where ``paygate sandbox`` listens by default.
SANDBOX_URL: Final = "http://127.0.0.1:8080/"


def sandbox_config(base_url: str = SANDBOX_URL, **settings: Any) -> Config:
    """A ``Config`` for the demo merchant of the sandbox at ``base_url``.

    ``settings`` are further ``Config`` fields (timeouts, retries, ...). A
    ``base_url`` that is not http(s) on a loopback address raises PaygateError:
    the demo keys are public and never leave this machine.
    """
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not is_loopback_host(host):
        raise PaygateError(
            f"sandbox_config: {base_url!r} is not the sandbox on this machine; allowed: "
            "http(s) on a loopback address such as http://127.0.0.1:8080/ (the demo keys are "
            "for the local sandbox only)"
        )
    return Config(
        merchant_id=MERCHANT_ID,
        hmac_key=Secret(HMAC_KEY),
        cipher_key=Secret(CIPHER_KEY),
        cipher=CIPHER,
        base_url=base_url,
        **settings,
    )
