"""`python -m generator` runs the `paygate` command."""

from .cli import main

main()
