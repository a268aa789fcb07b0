"""The client's request encoding, result verification and secrecy, without a server."""

from __future__ import annotations

import html
import logging
import string
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paygate import (
    DecryptionError,
    PaygateError,
    SignatureError,
    Status,
    ValidationError,
)
from paygate.callbacks import read_callback
from paygate.client import Client, Config, join_params, split_params
from paygate.crypto import BlowfishCipher, compute_mac, mac_input
from paygate.secrets import Secret

HMAC_KEY = "test-hmac-key-4f1c"
CIPHER_KEY = "test-cipher-key-9a2b"
MERCHANT = "TestMerchant"

PAYMENT: dict[str, Any] = {
    "TransID": "TID-1",
    "Amount": 1234,
    "Currency": "EUR",
    "OrderDesc": 'Tea <"green"> & more'.replace("&", "and"),
    "URLSuccess": "https://shop.example/ok",
    "URLFailure": "https://shop.example/fail",
    "URLNotify": "https://shop.example/notify",
    "FxCurrency": "EUR",
}


@pytest.fixture()
def client() -> Client:
    return Client(Config(MERCHANT, Secret(HMAC_KEY), Secret(CIPHER_KEY)))


def _result(**over: str) -> dict[str, str]:
    r = {
        "mid": MERCHANT,
        "PayID": "a" * 32,
        "XID": "b" * 32,
        "TransID": "TID-1",
        "Status": "OK",
        "Description": "success",
        "Code": "00000000",
    }
    r.update(over)
    fields = [r["PayID"], r["TransID"], r["mid"], r["Status"], r["Code"]]
    r.setdefault("MAC", compute_mac(Secret(HMAC_KEY), fields))
    return r


def _encrypted(params: dict[str, str]) -> dict[str, str]:
    data, length = BlowfishCipher(Secret(CIPHER_KEY)).encrypt(join_params(params))
    return {"MerchantID": MERCHANT, "Len": str(length), "Data": data}


def test_payment_form_carries_merchant_in_plain_and_mac_inside_data(client: Client) -> None:
    form = client.payment_form(**PAYMENT)
    assert form.url == "https://www.computop-paygate.com/alipayplus.aspx"
    assert form.fields["MerchantID"] == MERCHANT
    plain = BlowfishCipher(Secret(CIPHER_KEY)).decrypt(form.fields["Data"], int(form.fields["Len"]))
    params = split_params(plain)
    assert params["Response"] == "encrypt"  # results come back encrypted by default
    assert params["Amount"] == "1234"
    expected = compute_mac(Secret(HMAC_KEY), [None, "TID-1", MERCHANT, "1234", "EUR"])
    assert params["MAC"] == expected
    assert mac_input([None, "TID-1", MERCHANT, "1234", "EUR"]).startswith("*")
    query = parse_qs(urlsplit(form.redirect_url).query)
    assert query["Data"] == [form.fields["Data"]]


def test_payment_form_html_escapes_every_value() -> None:
    cfg = Config('M"><script>x</script>', Secret(HMAC_KEY), Secret(CIPHER_KEY))
    page = Client(cfg).payment_form(**PAYMENT).html()
    assert "<script>x</script>" not in page
    assert html.escape('M"><script>x</script>') in page


def test_builder_errors_surface_before_anything_is_sent(client: Client) -> None:
    with pytest.raises(ValidationError) as err:
        client.payment_form(**{**PAYMENT, "Currency": "XXY", "OrderDesc": "a+b"})
    assert {(i.key, i.rule) for i in err.value.issues} == {
        ("Currency", "enum"),
        ("OrderDesc", "forbidden"),
    }


def test_encrypted_result_is_decrypted_verified_and_typed(client: Client) -> None:
    fields = _encrypted(_result(UserData="order-7"))
    result = client.parse_result("alipayplus.payment", fields)
    assert result.Status is Status.OK
    assert result.ok and result.UserData == "order-7"


def test_plain_result_in_any_case_and_order(client: Client) -> None:
    r = {k.upper(): v for k, v in reversed(list(_result().items()))}
    result = client.parse_result("alipayplus.payment", r)
    assert result.PayID == "a" * 32


def test_failure_code_is_not_success_whatever_the_url(client: Client) -> None:
    fields = _encrypted(_result(Status="FAILED", Code="22060203"))
    # The same Data may be replayed to URLSuccess: success is decided by Code only.
    result = read_callback(client, "GET", "&".join(f"{k}={v}" for k, v in fields.items()))
    assert not result.ok
    assert result.code_info.severity == "2" and result.code_info.module == "206"


def test_tampered_mac_is_rejected(client: Client) -> None:
    r = _result()
    r["Code"] = "00000000"
    r["Status"] = "OK"
    r["MAC"] = r["MAC"][:-1] + ("0" if r["MAC"][-1] != "0" else "1")
    with pytest.raises(SignatureError):
        client.parse_result("alipayplus.payment", _encrypted(r))


def test_missing_mac_on_payment_result_is_rejected(client: Client) -> None:
    r = _result()
    del r["MAC"]
    with pytest.raises(SignatureError):
        client.parse_result("alipayplus.payment", r)


def test_forged_status_with_old_mac_is_rejected(client: Client) -> None:
    r = _result(Status="FAILED", Code="22060203")
    r["Status"], r["Code"] = "OK", "00000000"  # MAC was made over the failure
    with pytest.raises(SignatureError):
        client.parse_result("alipayplus.payment", r)


def test_notify_body_in_latin1(client: Client) -> None:
    r = _result(Description="Zahlung abgelehnt: Kartenprüfung")
    body = "&".join(f"{k}={v}" for k, v in r.items()).encode("iso-8859-1")
    result = read_callback(
        client, "POST", "", body, "application/x-www-form-urlencoded; charset=iso-8859-1"
    )
    assert result.Description == "Zahlung abgelehnt: Kartenprüfung"


MUTATIONS = st.sampled_from(["Data", "Len", "MAC"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=MUTATIONS,
    position=st.integers(min_value=0, max_value=400),
    replacement=st.text(alphabet=string.printable, min_size=0, max_size=3),
)
def test_mutated_results_raise_only_documented_errors(
    client: Client, field: str, position: int, replacement: str
) -> None:
    """Any change to Data, Len or MAC is caught by one of the runtime's own errors."""
    r = _result()
    fields = _encrypted(r)
    if field == "MAC":
        plain = split_params(
            BlowfishCipher(Secret(CIPHER_KEY)).decrypt(fields["Data"], int(fields["Len"]))
        )
        mac = plain["MAC"]
        i = position % len(mac)
        plain["MAC"] = mac[:i] + replacement + mac[i + 1 :]
        fields = _encrypted(plain)
    else:
        value = fields[field]
        i = position % (len(value) + 1)
        fields[field] = value[:i] + replacement + value[i + 1 :]
    try:
        result = client.parse_result("alipayplus.payment", fields)
    except (SignatureError, DecryptionError, ValidationError) as exc:
        assert isinstance(exc, PaygateError)
        assert CIPHER_KEY not in str(exc) and HMAC_KEY not in str(exc)
    else:
        # Only a mutation that changed nothing (or only letter case) may pass.
        assert result.PayID == r["PayID"] and result.Code == r["Code"]


def test_secrets_never_show(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    form = client.payment_form(**PAYMENT)
    texts = [
        repr(client),
        str(client.config),
        repr(client.config),
        f"{client.config}",
        form.html(),
        caplog.text,
    ]
    for t in texts:
        assert HMAC_KEY not in t and CIPHER_KEY not in t
        assert HMAC_KEY.encode().hex() not in t.lower()


def test_config_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYGATE_MERCHANT_ID", "M1")
    monkeypatch.setenv("PAYGATE_HMAC_KEY", HMAC_KEY)
    monkeypatch.setenv("PAYGATE_CIPHER_KEY", CIPHER_KEY)
    monkeypatch.setenv("PAYGATE_CIPHER", "aes")
    monkeypatch.setenv("PAYGATE_CIPHER_KEY", "k" * 32)
    cfg = Config.from_env()
    assert cfg.merchant_id == "M1" and cfg.cipher == "aes"
    assert cfg.base_url == "https://www.computop-paygate.com/"
    assert not cfg.insecure_skip_tls_verify and cfg.connect_timeout > 0 and cfg.read_timeout > 0
    assert HMAC_KEY not in repr(cfg)


def test_config_from_env_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MERCHANT_ID", "HMAC_KEY", "CIPHER_KEY"):
        monkeypatch.delenv("PAYGATE_" + name, raising=False)
    with pytest.raises(PaygateError, match="PAYGATE_MERCHANT_ID, PAYGATE_HMAC_KEY"):
        Config.from_env()
