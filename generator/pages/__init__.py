"""The pages room: the vendor's documentation pages, read, drafted and audited.

``parse`` reads a page's text into sections, tables and rows; ``draft`` writes
a draft spec file from it (`paygate import`); ``audit`` compares it with the
spec row by row (`paygate audit`); ``command`` holds both commands.

May import: ``generator.spec`` (model, loader, project), click (``command``).
Must not import: ``emit``, ``diff``, ``validate``, ``sandbox``, ``cli``, jinja2,
or the generated package.
"""
