"""Callbacks (URLNotify, URLSuccess, URLFailure): what is trusted, hostile input, size caps.

``read_callback`` is framework-neutral and tested through its own API;
``notify_app`` runs under a real WSGI server on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_paygate import (
    CIPHER_KEY,
    HMAC_KEY,
    MERCHANT_ID,
    encrypted,
    pairs_body,
    result,
    with_mac,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from paygate import DecryptionError, PaymentResult, SignatureError, TooLargeError
from paygate.callbacks import notify_app, read_callback
from paygate.client import Client, Config
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

FORM = "application/x-www-form-urlencoded"


def make_client(**over: Any) -> Client:
    # read_callback never calls Paygate: the client only brings the keys and settings.
    return Client(Config(MERCHANT_ID, HMAC_KEY, CIPHER_KEY, **over))


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with make_client() as c:
        yield c


CLIENT = make_client()


def payment(**over: str) -> dict[str, str]:
    return with_mac(result(**over))


def post(client: Client, body: str, query: str = "") -> Any:
    return read_callback(client, "POST", query, body.encode(), FORM)


# --- what fills the typed result ---------------------------------------------------


def test_plain_keys_the_spec_names_fill_their_field(client: Client) -> None:
    # Plain (spec/shared.yaml encryption.plain) and Custom's pairs travel beside Data.
    body = encrypted(payment(), ("Plain", "shop-7"), ("session", "123"), ("id", "456"))
    got = post(client, body)
    assert isinstance(got, PaymentResult) and got.ok
    assert got.Plain == "shop-7"
    assert got.extra == {"MerchantID": MERCHANT_ID, "session": "123", "id": "456"}


def test_encrypted_plain_wins_over_the_one_beside_data(client: Client) -> None:
    got = post(client, encrypted({**payment(), "Plain": "inside"}, ("Plain", "beside")))
    assert got.Plain == "inside" and got.extra["Plain"] == "beside"


def test_keys_beside_data_never_fill_a_typed_field(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="paygate")
    body = encrypted(payment(), ("UserData", "attacker"), ("RefNr", "EVIL1"), ("XID", "c" * 32))
    got = post(client, body)
    assert got.UserData is None and got.RefNr is None and got.XID == "b" * 32
    assert got.extra["UserData"] == "attacker" and got.extra["RefNr"] == "EVIL1"
    assert "RefNr, UserData, XID sent unencrypted beside Data" in caplog.text


def test_status_ok_with_a_failure_code_is_not_a_success(client: Client) -> None:
    for fields in (payment(Status="OK", Code="22060203"), payment(Status="OK", Code="60000000")):
        got = post(client, encrypted(fields))
        assert got.Status == "OK" and not got.ok
        plain = read_callback(client, "GET", pairs_body(fields.items()))
        assert not plain.ok


# --- hostile input -----------------------------------------------------------------


def _len_replaced(value: str) -> str:
    body = encrypted(payment())
    pairs = [p.split("=", 1) for p in body.split("&")]
    return pairs_body((k, value if k == "Len" else v) for k, v in pairs)


@pytest.mark.parametrize("length", [" 12 ", "١٢", "+12", "1_2", "12.0", "0x1", "", "1" * 10])
def test_len_must_be_ascii_digits(client: Client, length: str) -> None:
    with pytest.raises(DecryptionError, match="Len is not a number of bytes"):
        post(client, _len_replaced(length))


@settings(deadline=None)
@given(st.text(min_size=1, max_size=12).filter(lambda t: not (t.isascii() and t.isdigit())))
def test_any_len_but_ascii_digits_is_refused(length: str) -> None:
    with pytest.raises(DecryptionError, match="Len is not"):
        post(CLIENT, _len_replaced(length))


@pytest.mark.parametrize("key", ["Data", "DATA", "data", "Len", "LEN"])
def test_envelope_key_in_query_and_body_is_an_error(client: Client, key: str) -> None:
    body = encrypted(payment())
    with pytest.raises(DecryptionError, match="more than once"):
        post(client, body, query=f"{key}=00")


def test_repeated_mac_in_a_plain_callback_is_an_error(client: Client) -> None:
    fields = payment()
    forged = payment(Status="FAILED", Code="22060203")
    body = pairs_body([*forged.items(), ("mac", fields["MAC"])])
    with pytest.raises(SignatureError, match="MAC is sent more than once"):
        read_callback(client, "GET", body)


def test_repeated_key_in_a_plain_callback_is_an_error(client: Client) -> None:
    fields = payment(Status="FAILED", Code="22060203")
    body = pairs_body([*fields.items(), ("CODE", "00000000")])
    with pytest.raises(DecryptionError, match="more than once"):
        read_callback(client, "GET", body)


# --- size caps ---------------------------------------------------------------------


def test_read_callback_refuses_more_than_the_cap() -> None:
    with make_client(max_callback_bytes=2000) as c:
        body = encrypted(payment())
        assert post(c, body).ok  # a real result is far below the cap
        with pytest.raises(TooLargeError, match="max_callback_bytes is 2000"):
            post(c, body + "&pad=" + "x" * 2000)
        with pytest.raises(TooLargeError):
            read_callback(c, "GET", body + "&pad=" + "x" * 2000)


class _Server:
    """notify_app under werkzeug's threaded server on 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=_Quiet
        )
        self.port = self.server.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture
def notify() -> Iterator[tuple[_Server, list[Any]]]:
    seen: list[Any] = []
    with make_client(max_callback_bytes=4096) as c:
        server = _Server(notify_app(c, seen.append))
        yield server, seen
        server.stop()


def test_notify_app_accepts_a_result_below_the_cap(notify: tuple[_Server, list[Any]]) -> None:
    server, seen = notify
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("POST", "/notify", encrypted(payment()), {"Content-Type": FORM})
    assert conn.getresponse().status == 200
    assert len(seen) == 1 and seen[0].ok


def test_notify_app_answers_413_without_reading_a_huge_body(
    notify: tuple[_Server, list[Any]], caplog: pytest.LogCaptureFixture
) -> None:
    server, seen = notify
    caplog.set_level(logging.WARNING, logger="paygate.callbacks")
    # Announce 50 MB, send a few bytes: the answer comes before the body does.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(
            b"POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: " + FORM.encode() + b"\r\n"
            b"Content-Length: 52428800\r\n\r\nData=00"
        )
        head = s.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head
    assert seen == []
    assert "a body of 52428800 bytes; max_callback_bytes is 4096" in caplog.text


def test_notify_app_answers_413_to_a_chunked_body_over_the_cap(
    notify: tuple[_Server, list[Any]],
) -> None:
    server, seen = notify
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    chunks = (b"x" * 1000 for _ in range(10))
    conn.request("POST", "/notify", chunks, {"Content-Type": FORM}, encode_chunked=True)
    assert conn.getresponse().status == 413
    assert seen == []


def test_notify_app_stops_reading_a_chunked_body_at_the_cap(
    notify: tuple[_Server, list[Any]],
) -> None:
    # 5000 bytes in small chunks and no end: the answer must come without waiting for it.
    server, seen = notify
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(
            b"POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: " + FORM.encode() + b"\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + b"64\r\n" + b"x" * 100 + b"\r\n"
        )
        for _ in range(49):
            s.sendall(b"64\r\n" + b"x" * 100 + b"\r\n")
        head = s.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head
    assert seen == []


def test_the_envelope_and_plain_keys_come_from_the_spec() -> None:
    from paygate import operations

    from generator.spec.loader import load_spec

    enc = load_spec(Path(__file__).resolve().parents[2] / "spec").encryption
    assert enc.envelope == (operations.MERCHANT, operations.LENGTH, operations.DATA)
    assert enc.plain == operations.PLAIN_KEYS and enc.pairs == operations.PLAIN_PAIRS
