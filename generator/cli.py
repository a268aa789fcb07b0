"""The `paygate` command: registers each room's commands, and nothing else.

A command's room is imported when the command runs (or when ``--help`` lists
it), so each run pays only for the room it uses: `paygate generate` does not
load the sandbox's web server, nor `paygate validate` the templates.

Exit codes: 0 success, 1 findings (stale output, lint errors, failed sets),
2 usage errors or input that cannot be read.
"""

from __future__ import annotations

import importlib

import click

# Command name -> (module, attribute).
COMMANDS = {
    "generate": ("generator.emit.command", "generate"),
    "check": ("generator.emit.command", "check_cmd"),
    "lint": ("generator.spec.command", "lint_cmd"),
    "validate": ("generator.validate.command", "validate"),
    "diff": ("generator.diff.command", "diff"),
    "import": ("generator.pages.command", "import_cmd"),
    "audit": ("generator.pages.command", "audit_cmd"),
    "sandbox": ("generator.sandbox.command", "sandbox"),
}


class _Rooms(click.Group):
    """A group whose commands are imported from their rooms on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        command = getattr(importlib.import_module(where[0]), where[1])
        assert isinstance(command, click.Command) and command.name == cmd_name
        return command


@click.group(cls=_Rooms, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paygate")
def main() -> None:
    """Spec-driven client generator for Computop Paygate's Alipay+ API."""


if __name__ == "__main__":
    main()
