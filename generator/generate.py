"""Generate generated/ from spec/ and templates/, write it safely, or check it.

`generate` writes every file to a temporary folder next to generated/ and
swaps it in with renames only when everything rendered and formatted, so a
failure never leaves generated/ half-written. `check` renders in memory and
reports a unified diff against what is on disk.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .emit_python import emit_package
from .emit_schema import emit_schemas
from .loader import load_spec
from .model import Spec


class GenerateError(Exception):
    pass


@dataclass(frozen=True)
class Project:
    """The folders of a paygate project checkout."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "spec"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def generated(self) -> Path:
        return self.root / "generated"


def find_project(start: Path | None = None) -> Project:
    """The nearest folder upward holding spec/ and templates/."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "spec").is_dir() and (folder / "templates").is_dir():
            return Project(folder)
    raise GenerateError(
        f"no paygate project found at or above {here} (a folder with spec/ and templates/)"
    )


def _ruff() -> str:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError as exc:  # pragma: no cover - ruff is a dependency
        raise GenerateError("ruff is needed to format generated code: pip install ruff") from exc
    return str(find_ruff_bin())


def format_python(files: dict[str, str], config: Path) -> dict[str, str]:
    """Run ruff over every .py file in one call, in a scratch folder."""
    py = {k: v for k, v in files.items() if k.endswith(".py")}
    if not py:
        return files
    with tempfile.TemporaryDirectory(prefix="paygate-fmt-") as tmp:
        for rel, text in py.items():
            path = Path(tmp, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        # Sort imports and __all__ as ruff would, then format: templates stay readable.
        common = ["--quiet", "--config", str(config), "--no-cache"]
        fix = [_ruff(), "check", "--fix", "--select", "I001,RUF022", "--exit-zero", *common, tmp]
        for args in (fix, [_ruff(), "format", *common, tmp]):
            proc = subprocess.run(args, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise GenerateError(f"generated code does not parse (template bug):\n{proc.stderr}")
        out = dict(files)
        for rel in py:
            out[rel] = Path(tmp, rel).read_text(encoding="utf-8")
    return out


def render_all(project: Project, spec: Spec | None = None) -> dict[str, str]:
    """Every generated file, relative to generated/, as it should be on disk."""
    spec = spec or load_spec(project.spec)
    files: dict[str, str] = {}
    files.update(emit_package(spec, project.templates))
    files.update(emit_schemas(spec))
    try:
        from .emit_docs import emit_docs
    except ImportError:
        pass
    else:
        files.update(emit_docs(spec, project.templates))
    return format_python(files, project.root / "pyproject.toml")


def write(project: Project, files: dict[str, str]) -> list[str]:
    """Replace generated/ with exactly ``files``; return the paths that changed."""
    target = project.generated
    changed = diff_paths(project, files)
    staging = Path(tempfile.mkdtemp(prefix=".generated-", dir=project.root))
    try:
        for rel, text in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        old = project.root / f".generated-old-{os.getpid()}"
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return changed


def _on_disk(project: Project) -> dict[str, bytes]:
    root = project.generated
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
    }


def diff_paths(project: Project, files: dict[str, str]) -> list[str]:
    disk = _on_disk(project)
    want = {k: v.encode("utf-8") for k, v in files.items()}
    return sorted(k for k in set(disk) | set(want) if disk.get(k) != want.get(k))


def check(project: Project, files: dict[str, str]) -> str:
    """A unified diff of generated/ against what the spec makes; empty when up to date."""
    disk = _on_disk(project)
    out = []
    for rel in diff_paths(project, files):
        old = disk.get(rel, b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = files.get(rel, "").splitlines(keepends=True)
        a = f"a/generated/{rel}" if rel in disk else "/dev/null"
        b = f"b/generated/{rel}" if rel in files else "/dev/null"
        out.extend(difflib.unified_diff(old, new, a, b))
        if rel in disk and rel not in files:
            out.append(f"(generated/{rel} is not made by the generator: delete it)\n")
    return "".join(out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use the `paygate` command")
