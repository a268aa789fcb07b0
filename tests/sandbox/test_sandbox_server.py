"""The server itself: loopback only, the `paygate sandbox` command, secrets kept out."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sandbox_support import (
    CIPHER_KEY,
    HMAC_KEY,
    MERCHANT_ID,
    Caller,
    Shop,
    clean_env,
    http,
    pay,
    start_cli,
)

from generator.cli import main
from generator.sandbox.server import (
    Merchant,
    RunningSandbox,
    SandboxError,
    check_loopback,
    make_app,
    start_background,
)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    check_loopback(host)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "", "127.0.0.1.nip.io"]
)
def test_other_addresses_are_refused(host: str, merchant: Merchant, db: Path) -> None:
    with pytest.raises(SandboxError, match="loopback addresses only"):
        check_loopback(host)
    app = make_app(merchant, db)
    try:
        with pytest.raises(SandboxError):
            start_background(app, host=host)
    finally:
        app.close()


def test_ipv6_loopback_serves(merchant: Merchant, db: Path) -> None:
    app = make_app(merchant, db)
    try:
        server = start_background(app, host="::1")
    except SandboxError:  # pragma: no cover - a machine without IPv6
        app.close()
        pytest.skip("no IPv6 loopback here")
    with server:
        assert server.url.startswith("http://[::1]:")
        assert http().get(server.url + "_sandbox/health", timeout=5).text == "ok\n"


def test_secrets_stay_out_of_reprs(merchant: Merchant, db: Path) -> None:
    app = make_app(merchant, db)
    try:
        shown = repr(merchant) + repr(app) + str(merchant)
    finally:
        app.close()
    assert HMAC_KEY not in shown and CIPHER_KEY not in shown
    assert MERCHANT_ID in shown


def test_cli_needs_all_three_credentials_or_none() -> None:
    # None at all starts the demo merchant (test_sandbox_demo.py).
    result = CliRunner().invoke(main, ["sandbox"], env=clean_env(PAYGATE_HMAC_KEY=HMAC_KEY))
    assert result.exit_code == 2
    for name in ("PAYGATE_MERCHANT_ID", "PAYGATE_CIPHER_KEY"):
        assert name in result.output
    assert "PAYGATE_HMAC_KEY" not in result.output and HMAC_KEY not in result.output


def test_cli_refuses_a_public_address_and_bad_keys(tmp_path: Path) -> None:
    env = clean_env(
        PAYGATE_MERCHANT_ID=MERCHANT_ID, PAYGATE_HMAC_KEY=HMAC_KEY, PAYGATE_CIPHER_KEY="abc"
    )
    db = str(tmp_path / "s.db")
    public = CliRunner().invoke(main, ["sandbox", "--host", "0.0.0.0", "--db", db], env=env)
    assert public.exit_code == 2
    assert "'0.0.0.0': the sandbox binds to loopback addresses only" in public.output
    short = CliRunner().invoke(main, ["sandbox", "--db", db], env=env)
    assert short.exit_code == 2
    assert "Blowfish key must be 4 to 56 bytes long, not 3 bytes" in short.output
    aes = CliRunner().invoke(
        main,
        ["sandbox", "--db", db, "--cipher", "aes"],
        env={**env, "PAYGATE_CIPHER_KEY": "k" * 20},
    )
    assert aes.exit_code == 2 and "16, 24 or 32 bytes" in aes.output
    assert HMAC_KEY not in public.output + short.output + aes.output
    assert not (tmp_path / "s.db").exists()


def test_cli_serves_until_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    proc, url, first = start_cli(db)
    try:
        assert http().get(url + "_sandbox/health", timeout=5).text == "ok\n"
        caller = Caller(url)
        result = caller.call("alipayplus.inquire", {"PayID": "a" * 32})
        assert (result["mid"], result["Status"]) == (MERCHANT_ID, "FAILED")
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode in (0, 1, -signal.SIGINT), err
    assert HMAC_KEY not in first + out + err and CIPHER_KEY not in first + out + err
    assert "Traceback" not in err
    assert db.exists()


def test_state_survives_a_killed_process(
    tmp_path: Path, shop: Shop, start_sandbox: Callable[..., RunningSandbox]
) -> None:
    db = tmp_path / "killed.db"
    proc, url, _ = start_cli(db)
    try:
        caller = Caller(url)
        paid = pay(caller, shop)
        credit = {"PayID": paid["PayID"], "TransID": "T-1001", "Amount": "400", "Currency": "EUR"}
        first = caller.call("alipayplus.credit", {**credit, "ReqId": "before-kill"})
        assert first["Code"] == "00000000"
    finally:
        proc.kill()  # no shutdown, no checkpoint: only what was committed counts
        proc.communicate(timeout=20)
    again = Caller(start_sandbox(db=db).url)
    inquired = again.call("alipayplus.inquire", {"PayID": paid["PayID"]})
    assert inquired["Status"] == "OK" and "400 of 1000 credited" in inquired["Description"]
    assert again.call("alipayplus.credit", {**credit, "ReqId": "before-kill"}) == first
