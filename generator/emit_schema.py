"""Emit one JSON Schema (Draft 2020-12) per message into generated/schemas/.

For users outside Python. The schema states the same rules as the generated
validators: the property test in tests/generator checks that both agree.
Result schemas name keys in the vendor's case; the Python parsers also accept
any case, which JSON Schema cannot express.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import texts
from .emit_python import iso_data
from .model import Message, Parameter, Spec

# End of input, the same in ECMA-262 and Python: Python's "$" also matches
# before a final newline, which would let "EUR\n" pass.
END = r"(?![\s\S])"


def _property(spec: Spec, msg: Message, p: Parameter, iso: dict[str, list[str]]) -> dict[str, Any]:
    fmt = p.enforced
    prop: dict[str, Any] = {"type": "string", "description": p.description.en}
    if p.values:
        prop["enum"] = list(p.value_names)
    else:
        letter = spec.legend.format_letter(fmt.kind)
        assert letter is not None
        if fmt.length is not None:
            prop["minLength"] = fmt.min_length
            prop["maxLength"] = fmt.length
        else:
            prop["minLength"] = 1
        if p.pattern is not None:
            prop["pattern"] = f"^(?:{p.pattern}){END}"
        elif letter.pattern is not None:
            prop["pattern"] = f"^(?:{letter.pattern}){END}"
        else:
            prop["pattern"] = f"^{spec.legend.char_class(fmt.kind)}*{END}"
        if p.forbidden:
            prop["not"] = {"pattern": "[" + "".join(re.escape(c) for c in p.forbidden) + "]"}
        if p.check:
            prop["enum"] = iso[p.check]
    prop["x-paygate"] = {"format": p.format.raw, "cnd": p.cnd, "de": p.description.de}
    return prop


def message_schema(spec: Spec, msg: Message) -> dict[str, Any]:
    currencies, countries, _ = iso_data()
    iso = {"iso4217": [c for c, _ in currencies], "iso3166-alpha2": countries}
    props = {p.key: _property(spec, msg, p, iso) for p in msg.parameters}
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://paygate.invalid/schemas/{msg.id}.schema.json",
        "title": msg.id,
        "description": msg.caption.en,
        "type": "object",
        "properties": props,
        "required": [p.key for p in msg.parameters if p.mandatory],
        "additionalProperties": not msg.strict,
    }
    all_of = []
    for r in msg.rules:
        sentence = texts.rule_sentence(r).en
        if r.kind == "required-if":
            assert r.when_key is not None
            all_of.append(
                {
                    "description": sentence,
                    "if": {
                        "properties": {r.when_key: {"enum": list(r.when_in)}},
                        "required": [r.when_key],
                    },
                    "then": {"required": list(r.keys)},
                }
            )
        elif r.kind == "all-or-none":
            all_of.append(
                {
                    "description": sentence,
                    "anyOf": [
                        {"required": list(r.keys)},
                        {"not": {"anyOf": [{"required": [k]} for k in r.keys]}},
                    ],
                }
            )
    if all_of:
        schema["allOf"] = all_of
    return schema


def emit_schemas(spec: Spec) -> dict[str, str]:
    return {
        f"schemas/{m.id}.schema.json": json.dumps(
            message_schema(spec, m), indent=2, ensure_ascii=False
        )
        + "\n"
        for m in spec.messages()
    }
