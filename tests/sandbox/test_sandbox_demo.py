"""`paygate sandbox` with no configuration: the demo merchant, its state, and its refusals.

The sandbox runs as the command does, in a child process on 127.0.0.1 with an
environment free of PAYGATE_ settings; the client reaches it through
``paygate.demo.sandbox_config``, the one-liner the sandbox prints.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from paygate import PaygateError, Secret, Status, demo
from paygate.client import Client
from sandbox_support import (
    CIPHER_KEY,
    HMAC_KEY,
    MERCHANT_ID,
    Caller,
    CliSandbox,
    Shop,
    clean_env,
    pay,
)

from generator.sandbox.protocol import Merchant


def paid_with_demo(url: str, shop: Shop) -> dict[str, str]:
    caller = Caller(url, demo.MERCHANT_ID, demo.HMAC_KEY, demo.CIPHER_KEY, demo.CIPHER)
    return pay(caller, shop)


def shown(banner: list[str], label: str) -> str:
    """The value the banner prints after ``label`` (two spaces apart)."""
    for line in banner:
        text = line.strip()
        if text.startswith(label + "  "):
            return text[len(label) :].split()[0]
    raise AssertionError(f"{label!r} not in {banner}")


def test_no_configuration_starts_the_demo_merchant_and_prints_its_test_keys(
    tmp_path: Path, shop: Shop
) -> None:
    with CliSandbox(cwd=str(tmp_path)) as sandbox:
        banner = "\n".join(sandbox.banner)
        assert f"MerchantID {demo.MERCHANT_ID}," in sandbox.banner[0]
        assert "TEST ONLY" in banner and "never use them with Paygate" in banner
        assert shown(sandbox.banner, "MerchantID") == demo.MERCHANT_ID
        assert shown(sandbox.banner, "HMAC key") == demo.HMAC_KEY
        assert shown(sandbox.banner, "cipher key") == demo.CIPHER_KEY
        # The client line it prints runs as it is, and reaches this sandbox.
        line = next(x for x in sandbox.banner if x.startswith("  client:"))
        code = line.removeprefix("  client:").strip()
        assert code.startswith("from paygate.demo import sandbox_config; Client(")
        namespace: dict[str, object] = {"Client": Client}
        exec(code.replace("Client(", "client = Client(", 1), namespace)
        client = namespace["client"]
        assert isinstance(client, Client)
        payment = paid_with_demo(sandbox.url, shop)
        inquired = client.inquire(PayID=payment["PayID"])
        assert (inquired.ok, inquired.Status, inquired.mid) == (True, Status.OK, demo.MERCHANT_ID)
    # State in the default file, in the folder it was started in.
    assert "state in sandbox.db" in sandbox.banner[0]
    assert (tmp_path / "sandbox.db").is_file()


def test_the_default_state_file_keeps_payments_across_a_restart(tmp_path: Path, shop: Shop) -> None:
    with CliSandbox(cwd=str(tmp_path)) as first:
        payment = paid_with_demo(first.url, shop)
    with CliSandbox(cwd=str(tmp_path)) as again:
        result = Client(demo.sandbox_config(again.url)).inquire(PayID=payment["PayID"])
    assert result.ok and result.PayID == payment["PayID"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_memory_state_is_thrown_away(tmp_path: Path, shop: Shop, sig: int) -> None:
    scratch = Path(tempfile.gettempdir())
    before = set(scratch.glob("paygate-sandbox-*"))
    sandbox = CliSandbox("--memory", cwd=str(tmp_path))
    try:
        assert "state thrown away on exit (--memory)" in sandbox.banner[0]
        payment = paid_with_demo(sandbox.url, shop)
        assert set(scratch.glob("paygate-sandbox-*")) - before  # the throwaway file, while it runs
    finally:
        code = sandbox.stop(sig)
    assert code == 0, sandbox.console
    assert set(scratch.glob("paygate-sandbox-*")) == before
    assert list(tmp_path.iterdir()) == []
    with CliSandbox("--memory", cwd=str(tmp_path)) as fresh:
        result = Client(demo.sandbox_config(fresh.url)).inquire(PayID=payment["PayID"])
    assert result.Status is Status.FAILED and "no such payment" in result.Description


def test_own_credentials_are_used_and_never_printed(tmp_path: Path, shop: Shop) -> None:
    env = clean_env(
        PAYGATE_MERCHANT_ID=MERCHANT_ID, PAYGATE_HMAC_KEY=HMAC_KEY, PAYGATE_CIPHER_KEY=CIPHER_KEY
    )
    with CliSandbox("--memory", env=env, cwd=str(tmp_path)) as sandbox:
        pay(Caller(sandbox.url), shop)
        banner = "\n".join(sandbox.banner)
    assert f"MerchantID {MERCHANT_ID}," in sandbox.banner[0]
    assert f'Client(Config.from_env(base_url="{sandbox.url}"))' in banner
    assert "TEST ONLY" not in banner and demo.HMAC_KEY not in banner
    everything = banner + "\n".join(sandbox.console)
    assert HMAC_KEY not in everything and CIPHER_KEY not in everything


def invoke(*args: str, **env: str) -> tuple[int, str]:
    """`paygate sandbox ARGS` expected to refuse; bounded, so a sandbox that starts fails."""
    command = [sys.executable, "-c", "from generator.cli import main; main()", "sandbox"]
    try:
        done = subprocess.run(
            [*command, "--port", "0", *args],
            env=clean_env(**env),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the sandbox started: {exc.stdout!r}") from None
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("merchant_id", "rule"),
    [
        ("bad id & stuff", "MerchantID: characters not allowed"),
        ("M" * 31, "MerchantID: wrong length"),
        ("tab\there", "MerchantID: characters not allowed"),
    ],
)
def test_a_merchant_id_that_breaks_the_spec_is_refused(
    tmp_path: Path, merchant_id: str, rule: str
) -> None:
    db = tmp_path / "s.db"
    code, output = invoke(
        "--db",
        str(db),
        "--merchant-id",
        merchant_id,
        PAYGATE_HMAC_KEY=HMAC_KEY,
        PAYGATE_CIPHER_KEY=CIPHER_KEY,
    )
    assert code == 2, output
    assert rule in output and "allowed:" in output
    assert HMAC_KEY not in output and CIPHER_KEY not in output
    assert not db.exists()


def test_merchant_rules_hold_for_every_sandbox_merchant() -> None:
    with pytest.raises(ValueError, match="MerchantID: characters not allowed"):
        Merchant("bad id & stuff", Secret(HMAC_KEY), Secret(CIPHER_KEY))
    with pytest.raises(ValueError, match="HMAC key: empty"):
        Merchant(MERCHANT_ID, Secret(""), Secret(CIPHER_KEY))
    with pytest.raises(ValueError, match="4 to 56 bytes") as short:
        Merchant(MERCHANT_ID, Secret(HMAC_KEY), Secret("abc"))
    assert "abc" not in str(short.value)
    # The demo merchant itself passes them.
    Merchant(demo.MERCHANT_ID, Secret(demo.HMAC_KEY), Secret(demo.CIPHER_KEY), demo.CIPHER)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), {"PAYGATE_MERCHANT_ID": MERCHANT_ID}, "set --hmac-key or PAYGATE_HMAC_KEY, "),
        (("--cipher-key", CIPHER_KEY), {}, "set --merchant-id or PAYGATE_MERCHANT_ID"),
        (("--memory", "--db", "x.db"), {}, "give --db or --memory, not both"),
        (("--cipher", "aes"), {}, "--cipher aes needs your own keys"),
        (("--host", "0.0.0.0"), {}, "binds to loopback addresses only"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    code, output = invoke(*args, **env)
    assert code == 2, output
    assert message in output


def test_a_db_that_is_not_sqlite_exits_2(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a database\n" * 100, encoding="utf-8")
    code, output = invoke("--db", str(notes))
    assert code == 2, output
    assert f"{notes}: cannot open the sandbox database" in output
    assert notes.read_text(encoding="utf-8") == "my notes, not a database\n" * 100


def test_another_programs_sqlite_database_is_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "shop.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    before = other.read_bytes()
    code, output = invoke("--db", str(other))
    assert code == 2, output
    assert f"{other}: a SQLite database of something else (tables customers)" in output
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db"]  # no -wal, no -shm


def test_a_port_in_use_exits_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = invoke("--memory", "--port", str(port))
    assert code == 2, output
    assert f"cannot listen on 127.0.0.1 port {port}" in output


# --------------------------------------------------------------------------- sandbox_config


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/", "http://localhost:9/", "http://[::1]:8080/", "https://127.1.2.3/"],
)
def test_sandbox_config_is_the_demo_merchant_on_loopback(url: str) -> None:
    config = demo.sandbox_config(url, read_timeout=7.0)
    assert (config.merchant_id, config.base_url, config.cipher) == (
        demo.MERCHANT_ID,
        url,
        demo.CIPHER,
    )
    assert config.hmac_key == Secret(demo.HMAC_KEY)
    assert config.cipher_key == Secret(demo.CIPHER_KEY)
    assert config.read_timeout == 7.0
    assert demo.HMAC_KEY not in repr(config) and demo.CIPHER_KEY not in repr(config)


def test_sandbox_config_defaults_to_the_sandboxs_default_address() -> None:
    assert demo.sandbox_config().base_url == demo.SANDBOX_URL == "http://127.0.0.1:8080/"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.computop-paygate.com/",
        "http://192.168.1.10:8080/",
        "http://127.0.0.1.nip.io/",
        "ftp://127.0.0.1/",
        "127.0.0.1:8080",
        "http://[::1/",
    ],
)
def test_sandbox_config_refuses_anything_but_loopback(url: str) -> None:
    with pytest.raises(PaygateError, match="not the sandbox on this machine"):
        demo.sandbox_config(url)
