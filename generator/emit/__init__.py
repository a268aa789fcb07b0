"""The emit room: the model to generated/ (client package, JSON Schemas, docs).

``python``, ``schema`` and ``docs`` turn the model into files (``examples``
runs the package just generated for the docs' worked examples); ``render`` is
the only module that knows jinja2; ``generate`` renders everything, formats it
with ruff and writes it all or nothing (or reports a stale tree); ``command``
holds `paygate generate` and `paygate check`; ``cache`` keeps what every run
would compute the same way (compiled templates, ruff's output) in a per-user
folder.

May import: ``generator.spec``, jinja2, and (``examples``, for the worked examples)
the package it has just generated.
Must not import: ``pages``, ``diff``, ``validate``, ``sandbox``, ``cli``.
"""
