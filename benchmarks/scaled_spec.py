"""Synthetic specs N times the size of the real one, to see how generation scales.

The copy keeps spec/ as it is except the method file (alipayplus.yaml), whose
operations are repeated N times under new operation IDs (``alipayplus.payment2``,
``alipayplus.payment3``, …; IDs must match ``^[a-z0-9]+\\.[a-z0-9]+$``). Every
copy is a full operation (request and result tables, rules, MAC), so the
generator does N times the work of the real spec on every stage: loading,
checking, rendering, formatting. The worked examples of the docs
(templates/docs/examples.json, one per operation) are repeated alongside.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

METHOD_FILE = "alipayplus.yaml"
EXAMPLES_FILE = Path("docs", "examples.json")  # under templates/
_OPERATION_ID = re.compile(r"^[a-z0-9]+\.[a-z0-9]+$")


def copy_project(root: Path, dest: Path) -> Path:
    """The parts of a project checkout that generation reads: spec/, templates/, pyproject."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root / "spec", dest / "spec")
    shutil.copytree(root / "templates", dest / "templates")
    shutil.copy2(root / "pyproject.toml", dest / "pyproject.toml")  # ruff settings
    return dest


def scale_operations(doc: dict[str, Any], factor: int) -> dict[str, Any]:
    """The method document with each operation repeated ``factor`` times under new IDs."""
    originals: list[dict[str, Any]] = doc["operations"]
    operations = list(originals)
    for n in range(2, factor + 1):
        for op in originals:
            twin = copy.deepcopy(op)
            twin["id"] = f"{op['id']}{n}"
            if not _OPERATION_ID.match(twin["id"]):
                raise ValueError(f"operation ID {twin['id']!r} is not ^[a-z0-9]+\\.[a-z0-9]+$")
            operations.append(twin)
    return {**doc, "operations": operations}


def scale_examples(operations: dict[str, Any], factor: int) -> dict[str, Any]:
    """The docs' worked examples by operation ID, each repeated under the new IDs."""
    out = dict(operations)
    for n in range(2, factor + 1):
        for op_id, example in operations.items():
            out[f"{op_id}{n}"] = copy.deepcopy(example)
    return out


def scaled_project(root: Path, dest: Path, factor: int) -> Path:
    """A copy of the project at ``dest`` whose spec has ``factor`` times the operations."""
    if factor < 1:
        raise ValueError(f"factor must be 1 or more, not {factor}")
    copy_project(root, dest)
    # Factor 1 is rewritten too, so every size is read from the same YAML layout
    # (yaml.safe_dump's), and the sizes differ only in the number of operations.
    path = dest / "spec" / METHOD_FILE
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(
        yaml.safe_dump(
            scale_operations(doc, factor), allow_unicode=True, sort_keys=False, width=200
        ),
        encoding="utf-8",
    )
    examples_path = dest / "templates" / EXAMPLES_FILE
    if examples_path.exists():
        examples = json.loads(examples_path.read_text(encoding="utf-8"))
        examples["operations"] = scale_examples(examples["operations"], factor)
        examples_path.write_text(
            json.dumps(examples, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return dest
