"""TLS and retry pauses over real HTTP(S) on 127.0.0.1.

The HTTPS server's certificate is made here with ``cryptography``: self-signed
for 127.0.0.1, so only a client told to trust it (``ca_bundle``) may accept it.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fake_paygate import PAY_ID, Answer, FakePaygate, answer, encrypted, result
from paygate import TransportError


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, signed by itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "paygate test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[FakePaygate, Path]]:
    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with FakePaygate([answer(encrypted(result()))], ssl_context=context) as fake:
        yield fake, cert


def test_self_signed_certificate_is_refused_by_default(
    https: tuple[FakePaygate, Path],
) -> None:
    fake, _ = https
    with fake.client(retries=0) as client, pytest.raises(TransportError, match="SSLError"):
        client.inquire(PayID=PAY_ID)


def test_requests_ca_bundle_is_not_honoured(
    https: tuple[FakePaygate, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, cert = https
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(cert))
    with fake.client(retries=0) as client, pytest.raises(TransportError, match="SSLError"):
        client.inquire(PayID=PAY_ID)


def test_ca_bundle_option_trusts_the_certificate(https: tuple[FakePaygate, Path]) -> None:
    fake, cert = https
    with fake.client(ca_bundle=cert) as client:
        assert client.inquire(PayID=PAY_ID).ok


def test_insecure_opt_in_is_loud(
    https: tuple[FakePaygate, Path], caplog: pytest.LogCaptureFixture
) -> None:
    fake, _ = https
    caplog.set_level(logging.WARNING, logger="paygate")
    with (
        pytest.warns(Warning),  # urllib3's InsecureRequestWarning on top of ours
        fake.client(insecure_skip_tls_verify=True) as client,
    ):
        assert client.inquire(PayID=PAY_ID).ok
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("TLS certificates are NOT verified" in r.getMessage() for r in warned)


def test_no_warning_without_the_opt_in(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="paygate")
    with FakePaygate([answer(encrypted(result()))]) as fake, fake.client() as client:
        assert client.inquire(PayID=PAY_ID).ok
    assert caplog.records == []


# --- retries ----------------------------------------------------------------------


def test_retry_after_is_capped_at_backoff_max() -> None:
    # Two 503s asking for 4 s each: with backoff_max=0.2 the credit (it carries a ReqId,
    # so it is retried) finishes in about half a second instead of after 8 s.
    busy = answer("busy", 503, **{"Retry-After": "4"})
    with FakePaygate([busy, busy, answer(encrypted(result()))]) as fake:
        with fake.client(retries=2, backoff_max=0.2, backoff_factor=0.01) as client:
            start = time.monotonic()
            assert client.credit(PayID=PAY_ID, TransID="TID-1", Amount=5, Currency="EUR").ok
            elapsed = time.monotonic() - start
            longest = client.config.longest_call_seconds
        pauses = [b.at - a.at for a, b in zip(fake.seen, fake.seen[1:], strict=False)]
    assert len(fake.seen) == 3
    # Waited, but only backoff_max (the margin is for a busy machine; uncapped is 4 s).
    assert all(0.15 <= p < 2.0 for p in pauses), pauses
    assert elapsed < 3.0 and elapsed < longest


def test_retries_of_every_kind_stop_at_the_configured_number() -> None:
    # 503s and read timeouts in turn: each kind has its own counter in urllib3, but
    # together they stay within ``retries``, as longest_call_seconds promises.
    def slow(form: dict[str, str]) -> Answer:
        time.sleep(0.6)
        return answer(encrypted(result()))

    busy = answer("busy", 503)
    with (
        FakePaygate([busy, slow, busy, slow, busy, slow, busy, slow]) as fake,
        fake.client(retries=3, read_timeout=0.3, backoff_max=0.05) as client,
        pytest.raises(TransportError, match="calling"),
    ):
        client.credit(PayID=PAY_ID, TransID="TID-1", Amount=5, Currency="EUR")
    assert len(fake.seen) == 4


def test_redirects_are_not_followed() -> None:
    moved = answer("", 302, Location="http://127.0.0.1:9/elsewhere")
    with (
        FakePaygate([moved]) as fake,
        fake.client() as client,
        pytest.raises(TransportError, match="HTTP 302"),
    ):
        client.inquire(PayID=PAY_ID)
    assert len(fake.seen) == 1
