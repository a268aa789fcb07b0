"""paygate generator: spec loader, lint, emitters, and the `paygate` command."""
