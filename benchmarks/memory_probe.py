"""Peak memory of one thing in a fresh process: ``python memory_probe.py WHAT``.

Prints the process's peak RSS (VmHWM, KiB; see peak.py) as JSON. ``baseline`` is the interpreter
with the benchmark's payloads loaded; each engine imports its library, builds
its validator once from the schema and validates the valid and the invalid set
1,000 times each, as a service would; ``import:MODULE`` imports a module.
The difference to ``baseline`` is what that thing costs in memory.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import payloads  # noqa: E402
from peak import high_water_kib  # noqa: E402

CALLS = 1000


def _validator(what: str) -> Any:
    if what == "paygate":
        from paygate.validators import validate_alipayplus_payment_request

        return validate_alipayplus_payment_request
    import schemas

    schema = schemas.exported_schema()
    if what == "jsonschema-rs":
        import jsonschema_rs

        return jsonschema_rs.Draft202012Validator(schemas.without_guards(schema)).is_valid
    if what == "fastjsonschema":
        import fastjsonschema

        compiled = fastjsonschema.compile(schemas.without_guards(schema))

        def fast(params: dict[str, Any]) -> object:
            try:
                return compiled(params)
            except fastjsonschema.JsonSchemaException as exc:
                return exc

        return fast
    if what == "jsonschema":
        import jsonschema

        return jsonschema.Draft202012Validator(schemas.python_end_of_text(schema)).is_valid
    if what == "pydantic":
        import pydantic_model

        return pydantic_model.validate_payment_request
    raise SystemExit(f"unknown probe {what!r}")


def main(what: str) -> None:
    if what.startswith("import:"):
        importlib.import_module(what.removeprefix("import:"))
    elif what != "baseline":
        validate = _validator(what)
        for _ in range(CALLS):
            validate(dict(payloads.VALID))
            validate(dict(payloads.INVALID))
    print(json.dumps({"what": what, "maxrss_kib": high_water_kib()}))


if __name__ == "__main__":
    main(sys.argv[1])
