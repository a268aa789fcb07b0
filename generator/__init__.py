"""paygate's generator: the stages that turn the vendor's tables into a client.

One subpackage per stage (see docs/architecture.md): ``spec`` (the base: YAML
to model, lint), ``emit`` (model to generated/), ``pages`` (vendor pages to
drafts and audits), ``diff`` (two spec versions), ``validate`` (parameter sets
against the generated validators), ``sandbox`` (a local Paygate built on the
generated package). ``cli`` registers their commands. The direction of imports
is checked by import-linter (``[tool.importlinter]`` in pyproject.toml).
"""
