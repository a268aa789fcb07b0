"""The diff room: what changed between two spec versions, and what it breaks.

``rules`` is the published rule table (stable IDs and levels); ``compare``
finds the changes between two models; ``render`` writes them as text, JSON or
Markdown; ``command`` is `paygate diff` (folders or git revisions).

May import: ``generator.spec`` (model, loader, texts, project), click.
Must not import: ``emit``, ``pages``, ``validate``, ``sandbox``, ``cli``.
"""
