"""The `paygate` command: registers each room's commands, and nothing else.

Exit codes: 0 success, 1 findings (stale output, lint errors, failed sets),
2 usage errors or input that cannot be read.
"""

from __future__ import annotations

import click

from .diff.command import diff
from .emit.command import check_cmd, generate
from .pages.command import audit_cmd, import_cmd
from .sandbox.command import sandbox
from .spec.command import lint_cmd
from .validate.command import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paygate")
def main() -> None:
    """Spec-driven client generator for Computop Paygate's Alipay+ API."""


for command in (generate, check_cmd, lint_cmd, validate, diff, import_cmd, audit_cmd, sandbox):
    main.add_command(command)

if __name__ == "__main__":
    main()
