"""The validators compared, each in its fastest configuration that means the same.

The exported schema (generated/schemas, generator/emit/schema.py) ends its
patterns in ``$`` and refuses a newline with a ``not`` beside each pattern, so
that every engine reads it alike. Each JSON Schema engine here gets the
fastest schema that is equivalent *in that engine*, derived from the exported
one, and the run checks that every variant accepts and rejects the same sets:

- jsonschema-rs: the guards dropped. Its ``$`` is ECMA-262's, the end of the
  text, so the guard changes nothing there and only costs a ``not`` per key.
- fastjsonschema: the guards dropped. It rewrites every ``$`` to ``\\Z`` itself.
- jsonschema: ``$`` replaced by ``\\Z`` (Python's end of the text), the guards
  dropped. jsonschema hands patterns to Python's re as they are, whose ``$``
  also matches before a final newline.

Error messages are priced the same way in every engine: ``is_valid`` builds
none (a bool), ``errors`` builds every message (each engine's message text:
``Issue.message()``, ``ValidationError.message``, pydantic's ``errors()``).
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema_rs
import pydantic
import pydantic_model
from paygate.validators import validate_alipayplus_payment_request
from schemas import exported_schema, python_end_of_text, without_guards

ROOT = Path(__file__).resolve().parent.parent

Params = dict[str, Any]


@dataclass(frozen=True)
class Engine:
    name: str
    is_valid: Callable[[Params], object]  # the cheapest call that tells valid from invalid
    errors: Callable[[Params], list[Any]]  # every error, each with its message built
    reports: str  # what "errors" returns
    config: str  # how it is built and called, for the README
    says_valid: Callable[[object], bool] = bool  # what is_valid's answer means

    def valid(self, params: Params) -> bool:
        return self.says_valid(self.is_valid(params))


def paygate_engine(name: str, validate: Callable[..., list[Any]], config: str) -> Engine:
    # No is_valid of its own: an empty list of issues is the answer, and the validator is
    # called as it is (a wrapper turning the list into a bool would cost a call more).
    return Engine(
        name,
        validate,
        lambda p: [i.message() for i in validate(p)],
        "all errors",
        config,
        says_valid=lambda issues: not issues,
    )


def engines(mypyc: Callable[..., list[Any]] | None = None) -> list[Engine]:
    """Every engine, built once."""
    exported = exported_schema()
    ecma = without_guards(exported)
    draft = jsonschema.Draft202012Validator(python_end_of_text(exported))
    compiled = fastjsonschema.compile(ecma)
    rust = jsonschema_rs.Draft202012Validator(ecma)
    rust_exported = jsonschema_rs.Draft202012Validator(exported)

    def fast_valid(params: Params) -> bool:
        try:
            compiled(params)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    def fast_errors(params: Params) -> list[Any]:
        try:
            compiled(params)
        except fastjsonschema.JsonSchemaException as exc:
            return [exc.message]
        return []

    def pydantic_valid(params: Params) -> bool:
        try:
            pydantic_model.PaymentRequest.model_validate(params)
        except pydantic.ValidationError:
            return False
        return True

    out = [
        paygate_engine(
            "paygate (generated)",
            validate_alipayplus_payment_request,
            "`validate_alipayplus_payment_request(params)`, pure Python; messages: "
            "`Issue.message()` of each issue",
        )
    ]
    if mypyc is not None:
        out.append(
            paygate_engine(
                "paygate (mypyc)",
                mypyc,
                "the same generated `paygate/validators.py` compiled with mypyc "
                "(a scratch copy; the package ships pure Python)",
            )
        )
    out += [
        Engine(
            "jsonschema-rs",
            rust.is_valid,
            lambda p: [e.message for e in rust.iter_errors(p)],
            "all errors",
            "`Draft202012Validator(schema)` once, patterns ending in `$` without the newline "
            "guard (its `$` ends the text); `is_valid`, `[e.message for e in iter_errors]`",
        ),
        Engine(
            "jsonschema-rs, exported schema",
            rust_exported.is_valid,
            lambda p: [e.message for e in rust_exported.iter_errors(p)],
            "all errors",
            "the same on the exported schema as it is (newline guards included): what a "
            "user of generated/schemas gets",
        ),
        Engine(
            "fastjsonschema",
            fast_valid,
            fast_errors,
            "the FIRST error only",
            "`fastjsonschema.compile(schema)` once, patterns ending in `$` (it rewrites them "
            "to `\\Z`) without the guard; the call, catching `JsonSchemaException`",
        ),
        Engine(
            "jsonschema",
            draft.is_valid,
            lambda p: [e.message for e in draft.iter_errors(p)],
            "all errors",
            "`Draft202012Validator(schema)` once, patterns ending in `\\Z` (Python's end of "
            "text) without the guard; `is_valid`, `[e.message for e in iter_errors]`",
        ),
        Engine(
            "pydantic v2",
            pydantic_valid,
            pydantic_model.validate_payment_request,
            "all errors, 1 per field",
            "`PaymentRequest.model_validate(params)` ([pydantic_model.py](pydantic_model.py)); "
            "errors: `exc.errors()`",
        ),
    ]
    return out


# --------------------------------------------------------------------------- mypyc


def build_mypyc(dest: Path) -> tuple[Path | None, str]:
    """Compile a copy of the generated package's validators with mypyc, once per source.

    Returns the folder holding the compiled copy of ``paygate`` (None if the
    build failed) and what happened. The build is kept under ``dest`` by a
    hash of the package's sources, so an unchanged package is not built again.
    """
    package = ROOT / "generated" / "paygate"
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(sys.version.encode())
    folder = dest / f"mypyc-{digest.hexdigest()[:16]}"
    if any(folder.glob("paygate/validators.*.so")):
        return folder, "built earlier from the same sources"
    mypyc = Path(sys.executable).with_name("mypyc")
    if not mypyc.exists():
        return None, "mypyc is not installed (pip install mypy)"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(package, folder / "paygate", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [str(mypyc), "paygate/validators.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not any(folder.glob("paygate/validators.*.so")):
        shutil.rmtree(folder, ignore_errors=True)
        return None, "mypyc failed: " + (proc.stderr or proc.stdout)[-300:]
    shutil.rmtree(folder / "build", ignore_errors=True)
    return folder, "built in this run"


def load_mypyc(folder: Path) -> Callable[..., list[Any]]:
    """The compiled validator, loaded beside the pure-Python package of this process."""
    saved = {k: m for k, m in sys.modules.items() if k == "paygate" or k.startswith("paygate.")}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module("paygate.validators")
        if not str(getattr(module, "__file__", "")).endswith(".so"):
            raise RuntimeError(f"{module.__file__} is not the compiled module")
        validate: Callable[..., list[Any]] = module.validate_alipayplus_payment_request
    finally:
        sys.path.remove(str(folder))
        for k in [k for k in sys.modules if k == "paygate" or k.startswith("paygate.")]:
            del sys.modules[k]
        sys.modules.update(saved)
    return validate
