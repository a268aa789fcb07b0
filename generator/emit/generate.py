"""Generate generated/ from spec/ and templates/, write it safely, or check it.

`generate` renders and formats everything in memory first, then writes the
files to a folder next to generated/ and swaps it in with renames, so a
failure never leaves generated/ half-written; it never replaces a folder it
did not make. `check` renders in memory and reports a unified diff against
what is on disk. Both can read another spec folder and write or compare
another output folder (the golden record of the tests uses that).
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from ..spec.loader import load_spec
from ..spec.model import Spec
from ..spec.project import Project
from . import cache
from .docs import emit_docs
from .errors import GenerateError, RenderError
from .python import emit_package
from .schema import emit_schemas


def _ruff() -> str:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - ruff is a dependency
        raise GenerateError("ruff is needed to format generated code: pip install ruff") from exc
    return str(find_ruff_bin())


def _check_syntax(py: dict[str, str]) -> None:
    """Every generated module must parse; a failure names the module, line and template."""
    problems = []
    for rel, text in sorted(py.items()):
        try:
            compile(text, rel, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:  # ValueError: NUL bytes, on some Pythons
            lineno = getattr(exc, "lineno", None)
            where = f"{rel}:{lineno}" if lineno else rel
            line = (getattr(exc, "text", None) or "").strip()
            shown = f": {line!r}" if line else ""
            msg = getattr(exc, "msg", None) or str(exc)
            template = f"templates/python/{Path(rel).name}.j2"
            problems.append(
                f"{where}: {msg}{shown} (a bug in {template} or in a runtime module under "
                "templates/runtime/)"
            )
    if problems:
        raise GenerateError("generated code does not parse:\n" + "\n".join(problems))


def format_python(files: dict[str, str], config: Path) -> dict[str, str]:
    """Run ruff over every .py file in one call, in a scratch folder.

    The result is kept in the per-user cache (``cache``), under ruff's version,
    its settings and every input text: the same input is formatted only once.
    """
    py = {k: v for k, v in files.items() if k.endswith(".py")}
    if not py:
        return files
    entry = cache.key(
        version("ruff"),
        config.read_text(encoding="utf-8"),
        *(f"{k}\0{v}" for k, v in sorted(py.items())),
    )
    formatted = cache.load_texts("ruff", entry)
    if formatted is None or set(formatted) != set(py):
        formatted = _ruff_format(py, config)
        cache.store_texts("ruff", entry, formatted)
    return {**files, **formatted}


def _ruff_format(py: dict[str, str], config: Path) -> dict[str, str]:
    _check_syntax(py)
    with tempfile.TemporaryDirectory(prefix="paygate-fmt-") as tmp:
        for rel, text in py.items():
            path = Path(tmp, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        # Sort imports and __all__ as ruff would, then format: templates stay readable.
        common = ["--quiet", "--config", str(config), "--no-cache"]
        fix = [_ruff(), "check", "--fix", "--select", "I001,RUF022", "--exit-zero", *common, tmp]
        for args in (fix, [_ruff(), "format", *common, tmp]):
            proc = subprocess.run(args, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                detail = (proc.stderr or proc.stdout).replace(tmp + "/", "")
                raise GenerateError(f"ruff could not format the generated code:\n{detail}")
        return {rel: Path(tmp, rel).read_bytes().decode("utf-8") for rel in py}


def render_all(project: Project, spec: Spec | None = None) -> dict[str, str]:
    """Every generated file, relative to the output folder, as it should be on disk.

    The reference docs are made from the project's own spec only: their worked
    examples (templates/docs/) are written for its operations. Another spec
    (``--spec``, such as the golden record's) yields the package and schemas.
    """
    spec = spec or load_spec(project.spec)
    files: dict[str, str] = {}
    try:
        files.update(emit_package(spec, project.templates))
        files.update(emit_schemas(spec))
    except RenderError as exc:
        raise GenerateError(str(exc)) from None
    # Formatting parses every generated module: a template that writes broken
    # Python is reported here, before the docs import the package.
    files = format_python(files, project.root / "pyproject.toml")
    if project.own_spec:
        files.update(emit_docs(spec, project.templates, files))
    return files


def write(project: Project, files: dict[str, str]) -> list[str]:
    """Replace the output folder with exactly ``files``; return the paths that changed.

    All files are written to a sibling folder first and swapped in with two
    renames, so readers see the old or the new tree, never a mix. If the swap
    fails, the old tree is put back. Nothing is touched when nothing changed.
    """
    target = project.generated
    changed = diff_paths(project, files)
    if not changed:
        return []
    _refuse_foreign(project, target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{target.name}-new-{os.getpid()}"
    old = parent / f".{target.name}-old-{os.getpid()}"
    for leftover in (staging, old):  # from a run that was killed mid-way
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        staging.mkdir()  # a plain mkdir: permissions follow the umask, as generated/ should
        for rel, text in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        moved = False
        if target.exists():
            target.rename(old)
            moved = True
        try:
            staging.rename(target)
        except BaseException:
            if moved:
                old.rename(target)
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return changed


def _refuse_foreign(project: Project, target: Path) -> None:
    """Never replace a folder the generator did not make (say, a mistyped --output)."""
    folder = project.shown(target)
    here = target.resolve()
    if here == project.root.resolve() or here in project.root.resolve().parents:
        raise GenerateError(f"{folder}/ holds the project itself: pick an output folder inside it")
    if not target.exists():
        return
    if not target.is_dir():
        raise GenerateError(f"{folder} is a file, not an output folder")
    if not any(target.iterdir()):
        return
    for path in sorted(target.rglob("*")):
        # Every generated file names its origin near its start (header or $comment).
        if path.is_file() and b"Generated by paygate" in path.read_bytes()[:300]:
            return
    raise GenerateError(
        f"{folder}/ is not empty and holds no file made by paygate generate: it is left "
        "as it is; pick an empty or new folder"
    )


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
    """A unified diff of the output folder against what the spec makes; empty when current.

    Every stale, missing and extra file is named; the diff applies with
    ``patch -p1`` from the project folder.
    """
    disk = _on_disk(project)
    folder = project.shown(project.generated)
    out: list[str] = []
    for rel in diff_paths(project, files):
        old = disk.get(rel, b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = files.get(rel, "").splitlines(keepends=True)
        a = f"a/{folder}/{rel}" if rel in disk else "/dev/null"
        b = f"b/{folder}/{rel}" if rel in files else "/dev/null"
        lines = list(difflib.unified_diff(old, new, a, b))
        # A last line without a newline would run into the next header.
        out.extend(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )
        if rel not in disk:
            out.append(f"({folder}/{rel} is missing)\n")
        elif rel not in files:
            out.append(f"({folder}/{rel} is not made by the generator: delete it)\n")
    return "".join(out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use the `paygate` command")
