"""The spec room, the base of every other: spec/*.yaml to an immutable model.

``loader`` reads and checks the YAML (against ``spec.schema.json``, with
file:line:column problems) into ``model``; ``lint`` checks consistency beyond
the schema; ``texts`` derives the EN/DE sentences of formats and rules that
validators, docs and diff share; ``project`` finds a project's folders;
``yaml_reader`` is the project's one YAML reader. ``command`` is `paygate lint`.

May import: the standard library, PyYAML, jsonschema, click (``command`` only).
Must not import: any other room of the generator, or the generated package.
"""
