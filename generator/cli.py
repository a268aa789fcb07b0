"""The `paygate` command: registers each room's commands, and nothing else.

A command's room is imported when the command runs (or when ``--help`` lists
it), so each run pays only for the room it uses: `paygate generate` does not
load the sandbox's web server, nor `paygate validate` the templates.

Exit codes: 0 success, 1 findings (stale output, lint errors, failed sets),
2 usage errors or input that cannot be read.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

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


class _Rooms(MutableMapping[str, click.Command]):
    """The commands by name, each imported from its room on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attribute = COMMANDS[name]
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command) and command.name == name
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("the commands of paygate are fixed")

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(COMMANDS), **self._loaded})

    def __len__(self) -> int:
        return len({*COMMANDS, *self._loaded})


@click.group(commands=_Rooms(), context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paygate")
def main() -> None:
    """Spec-driven client generator for Computop Paygate's Alipay+ API."""


if __name__ == "__main__":
    main()
