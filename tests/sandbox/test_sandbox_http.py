"""The sandbox's HTTP server: kept connections, and the cap on a request's body."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable, Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from sandbox_support import Caller, Shop, http, pay

from generator.sandbox.server import (
    MAX_BODY,
    Merchant,
    RunningSandbox,
    SandboxError,
    make_app,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _connection(sandbox: RunningSandbox) -> HTTPConnection:
    return HTTPConnection("127.0.0.1", sandbox.server.port, timeout=10)


def test_a_connection_is_kept_for_the_next_request(sandbox: RunningSandbox) -> None:
    conn = _connection(sandbox)
    try:
        sockets = []
        for _ in range(3):
            conn.request("GET", "/_sandbox/health")
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, b"ok\n")
            assert response.getheader("Connection") is None
            assert not response.will_close
            sockets.append(conn.sock)
        # HTTPConnection opens a new socket whenever the server ends the connection.
        assert sockets[0] is not None and sockets.count(sockets[0]) == 3
    finally:
        conn.close()


def _exchange(sandbox: RunningSandbox, sent: bytes) -> bytes:
    """Send raw bytes on one connection; everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", sandbox.server.port), timeout=10) as sock:
        sock.sendall(sent)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_an_unread_body_is_not_taken_for_the_next_request(sandbox: RunningSandbox) -> None:
    """A body the app leaves unread (405 here) is dropped before the next request line."""
    smuggled = b"GET /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    received = _exchange(
        sandbox,
        b"POST /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Length: %d\r\n\r\n%s"
        % (len(smuggled), smuggled)
        + b"GET /_sandbox/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    statuses = re.findall(rb"(?:^|\n)(HTTP/1\.1 \d{3} [^\r\n]*)\r\n", received)
    assert statuses == [b"HTTP/1.1 405 METHOD NOT ALLOWED", b"HTTP/1.1 200 OK"]
    assert b"faults" not in received and received.endswith(b"\r\n\r\nok\n")


def test_a_client_that_asks_to_close_gets_the_connection_closed(sandbox: RunningSandbox) -> None:
    # _exchange returns only once the server has closed the connection.
    received = _exchange(sandbox, b"GET /_sandbox/health HTTP/1.0\r\n\r\n")
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Connection: close" in head
    assert body == b"ok\n"


def test_stopping_the_sandbox_ends_its_kept_connections(
    start_sandbox: Callable[..., RunningSandbox],
) -> None:
    server = start_sandbox()
    session = http()
    assert session.get(server.url + "_sandbox/health", timeout=10).text == "ok\n"
    server.stop()
    # The pooled connection is gone with the server: nothing answers any more.
    with pytest.raises(requests.ConnectionError):
        session.get(server.url + "_sandbox/health", timeout=10)


def test_a_client_reuses_its_connection_for_paygate_calls(
    sandbox: RunningSandbox, caller: Caller, shop: Shop
) -> None:
    pay_id = pay(caller, shop)["PayID"]
    conn = _connection(sandbox)
    try:
        for n in range(3):
            form = caller.form(
                "alipayplus.credit",
                {
                    "PayID": pay_id,
                    "TransID": "T-1001",
                    "Amount": "10",
                    "Currency": "EUR",
                    "ReqId": f"kept-{n}",
                },
            )
            conn.request("POST", "/credit.aspx", body=urlencode(form), headers=FORM)
            response = conn.getresponse()
            fields = dict(parse_qsl(response.read().decode()))
            assert caller.open("alipayplus.credit", fields)["Code"] == "00000000"
            assert not response.will_close
    finally:
        conn.close()


# --------------------------------------------------------------------------- the body cap


def _fifty_megabytes() -> bytes:
    return b"x" * (50 * 1024 * 1024)


def _in_chunks() -> Iterator[bytes]:
    """50 MB sent with Transfer-Encoding: chunked (no Content-Length)."""
    for _ in range(800):
        yield b"y" * 65536


@pytest.mark.parametrize("body", [_fifty_megabytes, _in_chunks], ids=["length", "chunked"])
def test_a_body_over_the_cap_gets_413_without_a_traceback(
    sandbox: RunningSandbox,
    caplog: pytest.LogCaptureFixture,
    body: Callable[[], Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    response = http().post(sandbox.url + "credit.aspx", data=body(), headers=FORM, timeout=60)
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "request body too large" in response.text
    assert f"at most {MAX_BODY} bytes (max_body)" in response.text
    assert response.headers["Connection"] == "close"
    assert "Traceback" not in caplog.text
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    # The sandbox carries on.
    assert http().get(sandbox.url + "_sandbox/health", timeout=10).text == "ok\n"


def test_a_client_still_sending_a_refused_body_reads_the_413(sandbox: RunningSandbox) -> None:
    """The server answers at once, then reads and drops the rest: no reset connection."""
    size = 50 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", sandbox.server.port), timeout=30) as sock:
        sock.sendall(
            b"POST /credit.aspx HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % size
        )
        piece = b"x" * (1024 * 1024)
        for _ in range(size // len(piece)):
            sock.sendall(piece)  # a reset connection fails here
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 413 REQUEST ENTITY TOO LARGE\r\n")
    assert b"Connection: close\r\n" in received
    assert received.endswith(
        b"request body too large: %d bytes; this sandbox takes at most "
        b"%d bytes (max_body)\n" % (size, MAX_BODY)
    )


@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_a_body_under_the_cap_is_read_whole(sandbox: RunningSandbox, multipart: bool) -> None:
    """600 kB in one field: above werkzeug's own 500 kB cap of a multipart text part."""
    fields = {"MerchantID": "", "Len": "1", "Data": "A" * 600_000}
    url = sandbox.url + "credit.aspx"
    if multipart:
        parts = {k: (None, v) for k, v in fields.items()}
        response = http().post(url, files=parts, timeout=10)
    else:
        response = http().post(url, data=fields, timeout=10)
    assert response.status_code == 200, response.text[:200]
    # Parsed as a Paygate call: the (empty) MerchantID is the problem, not the size.
    assert "Code=20100001" in response.text and "MerchantID" in response.text


def test_too_many_form_parts_get_413_not_500(
    sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """Werkzeug's cap on multipart parts (1000) answers like the body cap."""
    parts = {f"k{i}": (None, "v") for i in range(1001)}
    response = http().post(sandbox.url + "credit.aspx", files=parts, timeout=10)
    assert response.status_code == 413
    assert "request body too large: more than 1000 form parts" in response.text
    assert "Traceback" not in caplog.text


def test_the_cap_is_configurable(start_sandbox: Callable[..., RunningSandbox], shop: Shop) -> None:
    server = start_sandbox(max_body=2048)
    caller = Caller(server.url)
    paid = pay(caller, shop)  # ordinary calls fit well under 2 kB
    credit = caller.call(
        "alipayplus.credit",
        {"PayID": paid["PayID"], "TransID": "T-1001", "Amount": "5", "Currency": "EUR"},
    )
    assert credit["Code"] == "00000000"
    refused = http().post(server.url + "credit.aspx", data="x" * 2049, headers=FORM, timeout=10)
    assert refused.status_code == 413
    assert "2049 bytes" in refused.text and "at most 2048 bytes" in refused.text


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "1024"])
def test_the_cap_is_a_positive_number_of_bytes(merchant: Merchant, db: Path, value: object) -> None:
    with pytest.raises(SandboxError, match=r"max_body: .* not allowed; allowed: 1 byte or more"):
        make_app(merchant, db, max_body=value)  # type: ignore[arg-type]
