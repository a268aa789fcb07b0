"""The validate room: parameter sets checked against the generated validators.

``input`` reads sets from YAML, JSON and JSON Lines with the line of every
key; ``check`` runs the generated ``paygate.VALIDATORS`` on each; ``report``
writes text, JSON, JUnit or GitHub annotations; ``command`` is
`paygate validate`.

May import: ``generator.spec`` (its YAML reader), the generated package (at
run time, by name), click.
Must not import: ``emit``, ``pages``, ``diff``, ``sandbox``, ``cli``.
"""
