"""Config is checked when it is made: unsafe or meaningless settings name their field."""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import Any

import pytest
from fake_paygate import CIPHER_KEY, HMAC_KEY, MERCHANT_ID
from paygate import ConfigError, PaygateError, Secret
from paygate.client import Client, Config


def starts(text: str) -> str:
    """A pattern for pytest.raises(match=...): the message starts with ``text``."""
    return "^" + re.escape(text)


def make(**over: Any) -> Config:
    return Config(MERCHANT_ID, HMAC_KEY, CIPHER_KEY, **over)


BAD_SECONDS = [None, 0, 0.0, -1, -0.5, math.nan, math.inf, "5", True]


@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout", "backoff_max"])
@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
def test_timeouts_must_be_finite_seconds_above_zero(name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=starts(f"Config.{name}: a finite number more than 0")):
        make(**{name: value})


@pytest.mark.parametrize("value", [None, -1, -0.01, math.nan, math.inf, "0.5", False], ids=repr)
def test_backoff_factor_must_be_finite_and_not_negative(value: object) -> None:
    with pytest.raises(
        ConfigError, match=starts("Config.backoff_factor: a finite number 0 or more")
    ):
        make(backoff_factor=value)


@pytest.mark.parametrize("value", [None, -1, 1.5, math.nan, "2", True], ids=repr)
def test_retries_must_be_a_whole_number(value: object) -> None:
    with pytest.raises(ConfigError, match=starts("Config.retries: a whole number of 0 or more")):
        make(retries=value)


@pytest.mark.parametrize("value", [None, 0, -1, 1.5, "100"], ids=repr)
def test_max_callback_bytes_must_be_positive(value: object) -> None:
    with pytest.raises(ConfigError, match=starts("Config.max_callback_bytes")):
        make(max_callback_bytes=value)


def test_config_errors_are_paygate_errors() -> None:
    with pytest.raises(PaygateError):
        make(read_timeout=None)


def test_sensible_values_pass_and_zero_retries_means_none() -> None:
    cfg = make(connect_timeout=1, read_timeout=2.5, retries=0, backoff_factor=0)
    assert cfg.connect_timeout == 1.0 and cfg.retries == 0
    assert cfg.longest_call_seconds == 3.5  # one attempt, no pause


def test_longest_call_adds_every_attempt_and_pause() -> None:
    cfg = make(connect_timeout=1, read_timeout=2, retries=3, backoff_max=0.5)
    assert cfg.longest_call_seconds == 4 * (1 + 2) + 3 * 0.5
    assert make().longest_call_seconds == 3 * (5 + 30) + 2 * 2


@pytest.mark.parametrize("kind", [str, bytes])
def test_str_and_bytes_keys_become_secrets(kind: type, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    hmac_key, cipher_key = kind(HMAC_KEY.encode() if kind is bytes else HMAC_KEY), CIPHER_KEY
    cfg = Config(MERCHANT_ID, hmac_key, cipher_key)
    assert isinstance(cfg.hmac_key, Secret) and isinstance(cfg.cipher_key, Secret)
    assert cfg.hmac_key == Secret(HMAC_KEY)
    with Client(cfg) as client:
        texts = [repr(cfg), str(cfg), f"{cfg}", repr(client), caplog.text]
    for text in texts:
        assert HMAC_KEY not in text and CIPHER_KEY not in text
        assert HMAC_KEY.encode().hex() not in text


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"hmac_key": ""}, "hmac_key"),
        ({"cipher_key": 1234}, "cipher_key"),
        ({"merchant_id": ""}, "merchant_id"),
        ({"cipher": "des"}, "cipher"),
        ({"encoding": "no-such-codec"}, "encoding"),
        ({"insecure_skip_tls_verify": "yes"}, "insecure_skip_tls_verify"),
    ],
)
def test_other_fields_are_checked(over: dict[str, Any], field: str) -> None:
    settings: dict[str, Any] = {
        "merchant_id": MERCHANT_ID,
        "hmac_key": HMAC_KEY,
        "cipher_key": CIPHER_KEY,
    }
    settings.update(over)
    with pytest.raises(ConfigError, match=starts(f"Config.{field}: ")):
        Config(**settings)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/", "http://localhost/", "http://[::1]:9/", "https://paygate.example/"],
)
def test_base_urls_that_are_safe(url: str) -> None:
    assert make(base_url=url).base_url == url


@pytest.mark.parametrize(
    "url", ["http://www.computop-paygate.com/", "http://10.0.0.1/", "ftp://x/", "paygate", None]
)
def test_plain_http_only_on_loopback(url: object) -> None:
    with pytest.raises(ConfigError, match=starts("Config.base_url: ")):
        make(base_url=url)


def test_ca_bundle_must_exist_and_cannot_go_with_insecure(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=starts("Config.ca_bundle: no such file")):
        make(ca_bundle=tmp_path / "missing.pem")
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    assert make(ca_bundle=bundle).ca_bundle == str(bundle)
    with pytest.raises(ConfigError, match=starts("Config.ca_bundle: set, but insecure")):
        make(ca_bundle=bundle, insecure_skip_tls_verify=True)


def test_from_env_keys_are_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYGATE_MERCHANT_ID", MERCHANT_ID)
    monkeypatch.setenv("PAYGATE_HMAC_KEY", HMAC_KEY)
    monkeypatch.setenv("PAYGATE_CIPHER_KEY", CIPHER_KEY)
    cfg = Config.from_env(read_timeout=3)
    assert cfg.read_timeout == 3.0 and HMAC_KEY not in repr(cfg)
    with pytest.raises(ConfigError, match=starts("Config.read_timeout")):
        Config.from_env(read_timeout=-1)
