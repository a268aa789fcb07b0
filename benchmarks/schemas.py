"""The payment request's schema as exported, and each engine's fastest equivalent of it.

The exported schema (generated/schemas, generator/emit/schema.py) ends its
patterns in ``$`` and refuses a newline with a ``not`` beside each pattern, so
that every engine reads it alike. An engine whose ``$`` already ends the text
(jsonschema-rs, which follows ECMA-262; fastjsonschema, which rewrites ``$`` to
``\\Z``) does not need the guard; jsonschema, which hands patterns to Python's
re as they are, gets ``\\Z`` in place of ``$`` instead. No heavy imports here:
the memory probes use these too.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "generated" / "schemas" / "alipayplus.payment.request.schema.json"
GUARD = "\\n"  # the newline in the "not" class of the exported schema (regex text)


def exported_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return schema


def without_guards(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with the newline guards left out (for engines whose "$" ends the text)."""
    out = copy.deepcopy(schema)
    for prop in out["properties"].values():
        never = prop.get("not", {}).get("pattern")
        if never == GUARD:
            del prop["not"]
        elif never is not None and never.startswith("[" + GUARD):
            prop["not"]["pattern"] = "[" + never[len(GUARD) + 1 :]
    return out


def python_end_of_text(schema: dict[str, Any]) -> dict[str, Any]:
    """Patterns ending in Python's ``\\Z`` instead of ``$``, guards left out (for jsonschema)."""
    out = without_guards(schema)
    for prop in out["properties"].values():
        pattern = prop.get("pattern")
        if pattern is not None and pattern.endswith("$"):
            prop["pattern"] = pattern[:-1] + "\\Z"
    return out
