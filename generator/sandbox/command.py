"""``paygate sandbox``: run the local Paygate sandbox for Alipay+.

With no credentials it plays Paygate for the demo merchant of
``paygate.demo`` and prints its public test keys; with a MerchantID and both
keys (options or environment) it plays Paygate for that merchant.

The server code is imported only when the command runs, so the other
commands work without the sandbox's dependencies (werkzeug).

Exit codes: 2 for anything that stops it from starting as asked (missing or
malformed credentials, an address that is not loopback, a --db that is not a
sandbox database, a port in use); 0 after Ctrl-C.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from click.core import ParameterSource

DEFAULT_DB = Path("sandbox.db")


class _CannotStart(click.ClickException):
    """The sandbox cannot start as asked: usage or unreadable input (exit 2)."""

    exit_code = 2


@contextmanager
def _state_file(db: Path | None, memory: bool) -> Iterator[Path]:
    """The SQLite file: --db, a throwaway one for --memory, else sandbox.db here."""
    if not memory:
        yield db or DEFAULT_DB
        return
    with tempfile.TemporaryDirectory(prefix="paygate-sandbox-") as tmp:
        yield Path(tmp, "sandbox.db")


def _not_a_sandbox_database(db: Path) -> str | None:
    """Why ``db`` cannot hold the sandbox's state; None when it can.

    A missing or empty file becomes a new sandbox database, and one of the
    sandbox's own is used again. Anything else is someone's file: it is read
    (never written) to tell a SQLite database of another program from a file
    that is no database at all.
    """
    if not db.exists() or db.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"{db}: cannot open the sandbox database: {exc}"
    if tables and "payments" not in tables:
        shown = ", ".join(sorted(tables)[:5])
        return (
            f"{db}: a SQLite database of something else (tables {shown}), left as it is; "
            "give the sandbox a file of its own"
        )
    return None


@contextmanager
def _console() -> Iterator[None]:
    """Print the sandbox's own log lines (notify attempts) on stderr, beside the requests."""
    logger = logging.getLogger("generator.sandbox")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM stops the server as Ctrl-C does, so a --memory state file is removed too."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: signals stay as they are
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command(name="sandbox")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to bind (127.0.0.0/8, ::1 or localhost); others are refused.",
)
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="0: any free."
)
@click.option(
    "--db",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"SQLite file holding the sandbox's state (created when missing)  [default: {DEFAULT_DB}]",
)
@click.option(
    "--memory", is_flag=True, help="Throwaway state: a temporary file, removed on exit (no --db)."
)
@click.option(
    "--merchant-id",
    envvar="PAYGATE_MERCHANT_ID",
    show_envvar=True,
    help="The MerchantID (ans..30). Without it and both keys: the demo merchant.",
)
@click.option(
    "--hmac-key",
    envvar="PAYGATE_HMAC_KEY",
    show_envvar=True,
    help="HMAC key, not empty (prefer the environment: options show up in process lists).",
)
@click.option(
    "--cipher-key",
    envvar="PAYGATE_CIPHER_KEY",
    show_envvar=True,
    help="Blowfish (4-56 bytes) or AES (16, 24 or 32 bytes) key.",
)
@click.option(
    "--cipher",
    envvar="PAYGATE_CIPHER",
    show_envvar=True,
    type=click.Choice(["blowfish", "aes"]),
    default="blowfish",
    show_default=True,
)
@click.option(
    "--notify-attempts",
    default=5,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Attempts to deliver each notify to URLNotify.",
)
@click.option(
    "--notify-backoff",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="Seconds before the first retry; doubled for each further one.",
)
@click.option("--quiet", is_flag=True, help="Do not log each request (notify attempts still are).")
@click.pass_context
def sandbox(
    ctx: click.Context,
    host: str,
    port: int,
    db: Path | None,
    memory: bool,
    merchant_id: str | None,
    hmac_key: str | None,
    cipher_key: str | None,
    cipher: str,
    notify_attempts: int,
    notify_backoff: float,
    quiet: bool,
) -> None:
    """Run a local Paygate sandbox for Alipay+ (payment, reverse, credit, inquire).

    A real HTTP server on a loopback address with a wallet page to pay, decline
    or leave a payment pending; state lives in the SQLite file --db, so a
    restart loses nothing (--memory: thrown away on exit). With no credentials
    it starts the demo merchant and prints its test keys; the client reaches it
    with Client(paygate.demo.sandbox_config()). Each notify attempt is shown.
    """
    if memory and db is not None:
        raise click.UsageError("give --db or --memory, not both")
    try:
        from paygate import Secret, demo

        from .server import Merchant, NotifyPolicy, SandboxError, check_loopback, make_app, serve
    except ImportError as exc:
        raise _CannotStart(
            f"the sandbox cannot start: {exc.name or exc} is not installed "
            "(pip install -e . installs what it needs)"
        ) from None
    credentials = (
        ("merchant-id", "PAYGATE_MERCHANT_ID", merchant_id),
        ("hmac-key", "PAYGATE_HMAC_KEY", hmac_key),
        ("cipher-key", "PAYGATE_CIPHER_KEY", cipher_key),
    )
    missing = [f"--{name} or {env}" for name, env, value in credentials if not value]
    is_demo = len(missing) == len(credentials)
    if missing and not is_demo:
        raise click.UsageError(
            f"the merchant's credentials are incomplete: set {', '.join(missing)} "
            "(or none of them, for the demo merchant)"
        )
    if is_demo:
        if ctx.get_parameter_source("cipher") is not ParameterSource.DEFAULT and (
            cipher != demo.CIPHER
        ):
            raise click.UsageError(
                f"--cipher {cipher} needs your own keys; the demo merchant uses {demo.CIPHER}"
            )
        merchant_id, hmac_key, cipher_key, cipher = (
            demo.MERCHANT_ID,
            demo.HMAC_KEY,
            demo.CIPHER_KEY,
            demo.CIPHER,
        )
    assert merchant_id and hmac_key and cipher_key
    try:
        check_loopback(host)
        merchant = Merchant(merchant_id, Secret(hmac_key), Secret(cipher_key), cipher)
    except (SandboxError, ValueError) as exc:
        # The messages name the rule and the MerchantID, never a key.
        raise click.UsageError(str(exc)) from None
    problem = None if memory else _not_a_sandbox_database(db or DEFAULT_DB)
    if problem is not None:
        raise _CannotStart(problem)
    with _stop_on_sigterm(), _state_file(db, memory) as state, _console():
        try:
            app = make_app(
                merchant,
                state,
                notify=NotifyPolicy(max_attempts=notify_attempts, backoff_s=notify_backoff),
            )
        except SandboxError as exc:
            raise _CannotStart(str(exc)) from None

        def ready(url: str) -> None:
            where = "thrown away on exit (--memory)" if memory else f"in {state}"
            lines = [
                f"Paygate sandbox on {url} (MerchantID {merchant_id}, {cipher}, state {where})",
            ]
            if is_demo:
                default = url == demo.SANDBOX_URL
                config = "sandbox_config()" if default else f'sandbox_config("{url}")'
                lines += [
                    "  demo merchant, TEST ONLY: its keys are public; never use them with Paygate",
                    f"    MerchantID  {demo.MERCHANT_ID}",
                    f"    HMAC key    {demo.HMAC_KEY}",
                    f"    cipher key  {demo.CIPHER_KEY} ({demo.CIPHER})",
                    f"  client:    from paygate.demo import sandbox_config; Client({config})",
                ]
            else:
                lines.append(f'  client:    Client(Config.from_env(base_url="{url}"))')
            lines += [
                f"  endpoints: {url}alipayplus.aspx, reverse.aspx, credit.aspx, inquire.aspx",
                f"  faults:    {url}_sandbox/faults",
                "  stop with Ctrl-C",
            ]
            click.echo("\n".join(lines))

        try:
            serve(app, host, port, quiet=quiet, ready=ready)
        except SandboxError as exc:
            raise _CannotStart(str(exc)) from None
