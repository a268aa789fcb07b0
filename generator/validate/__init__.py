"""The validate room: parameter sets checked against the generated validators.

``input`` reads sets from YAML, JSON and JSON Lines with the line of every
key, as they are needed; ``check`` runs the generated ``paygate.VALIDATORS``
on each; ``report`` writes text, JSON, JSON Lines, JUnit or GitHub
annotations as the sets go by; ``parallel`` checks a large JSON Lines file in
worker processes; ``command`` is `paygate validate`.

May import: ``generator.spec`` (its YAML reader), the generated package (at
run time, by name), click, tqdm.
Must not import: ``emit``, ``pages``, ``diff``, ``sandbox``, ``cli``.
"""
