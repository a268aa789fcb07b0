"""``paygate sandbox``: run the local Paygate sandbox for Alipay+.

The server code is imported only when the command runs, so the other
commands work without the sandbox's dependencies (werkzeug).
"""

from __future__ import annotations

from pathlib import Path

import click


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
    default="sandbox.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file holding the sandbox's state (created when missing).",
)
@click.option(
    "--merchant-id", envvar="PAYGATE_MERCHANT_ID", show_envvar=True, help="The MerchantID."
)
@click.option(
    "--hmac-key",
    envvar="PAYGATE_HMAC_KEY",
    show_envvar=True,
    help="HMAC key (prefer the environment: options show up in process lists).",
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
@click.option("--quiet", is_flag=True, help="Do not log each request.")
def sandbox(
    host: str,
    port: int,
    db: Path,
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
    restart loses nothing. Point the client's base_url at the printed URL.
    """
    missing = [
        f"--{name} or {env}"
        for name, env, value in (
            ("merchant-id", "PAYGATE_MERCHANT_ID", merchant_id),
            ("hmac-key", "PAYGATE_HMAC_KEY", hmac_key),
            ("cipher-key", "PAYGATE_CIPHER_KEY", cipher_key),
        )
        if not value
    ]
    if missing:
        raise click.UsageError(f"the merchant's credentials are missing: set {', '.join(missing)}")
    assert merchant_id and hmac_key and cipher_key
    try:
        from paygate import Secret

        from .server import Merchant, NotifyPolicy, SandboxError, check_loopback, make_app, serve
    except ImportError as exc:
        raise click.ClickException(
            f"the sandbox cannot start: {exc.name or exc} is not installed "
            "(pip install -e . installs what it needs)"
        ) from None
    try:
        check_loopback(host)
        merchant = Merchant(merchant_id, Secret(hmac_key), Secret(cipher_key), cipher)
    except (SandboxError, ValueError) as exc:
        # ValueError from the cipher: the key's length, never the key itself.
        raise click.UsageError(str(exc)) from None
    try:
        app = make_app(
            merchant,
            db,
            notify=NotifyPolicy(max_attempts=notify_attempts, backoff_s=notify_backoff),
        )
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from None

    def ready(url: str) -> None:
        click.echo(
            f"Paygate sandbox on {url} (MerchantID {merchant_id}, {cipher}, state in {db})\n"
            f"  endpoints: {url}alipayplus.aspx, reverse.aspx, credit.aspx, inquire.aspx\n"
            f"  faults:    {url}_sandbox/faults\n"
            "  stop with Ctrl-C"
        )

    try:
        serve(app, host, port, quiet=quiet, ready=ready)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from None
