"""Generate generated/ from spec/ and templates/, write it safely, or check it.

`generate` renders and formats everything in memory first, then writes the
files to a folder next to generated/ and swaps it in with renames, so a
failure never leaves generated/ half-written. `check` renders in memory and
reports a unified diff against what is on disk. Both can read another spec
folder and write or compare another output folder (the golden record of the
tests uses that).

The output folder carries a manifest (``paygate-manifest.txt``), the files
generate wrote there. Generate replaces or removes only those; any other file
is carried over into the new tree as it is (a hard link where the file system
allows), and one in the way of a generated file stops generate before anything
changes. A folder without a manifest, from before it existed, counts the files
that carry the generated header as its own.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path, PurePosixPath

from ..spec.loader import load_spec
from ..spec.model import Spec
from ..spec.project import Project
from . import cache
from .docs import DOCS as DOCS_TEMPLATES
from .docs import emit_docs
from .errors import GenerateError, OutputRefused, RenderError
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


def _generator_source() -> str:
    """A digest of the generator's own code: what turns its inputs into output."""
    root = Path(__file__).resolve().parents[1]
    return cache.key(
        *(
            f"{p.relative_to(root)}\0{p.read_text(encoding='utf-8')}"
            for p in sorted(root.rglob("*.py"))
        )
    )


def cached_docs(spec: Spec, templates: Path, rendered: dict[str, str]) -> dict[str, str]:
    """The reference docs, from the per-user cache when nothing they come from changed.

    The docs are a function of the spec, the docs templates, the package just
    rendered (their worked examples run it) and the generator's code; all of it
    goes into the key, so a cached entry is never stale.
    """
    docs = templates / DOCS_TEMPLATES
    entry = cache.key(
        "docs",
        sys.version,
        version("jinja2"),
        _generator_source(),
        spec.digest,
        *(f"{k}\0{v}" for k, v in sorted(rendered.items()) if k.startswith("paygate/")),
        *(
            f"{p.name}\0{p.read_text(encoding='utf-8')}"
            for p in sorted(docs.glob("*"))
            if p.is_file()
        ),
    )
    kept = cache.load_texts("docs", entry)
    if kept is not None:
        return kept
    made = emit_docs(spec, templates, rendered)
    cache.store_texts("docs", entry, made)
    return made


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
        files.update(cached_docs(spec, project.templates, files))
    files[MANIFEST] = manifest_text(files, spec)
    return files


# --------------------------------------------------------------------------- the manifest

#: The list of what generate wrote, at the top of the output folder.
MANIFEST = "paygate-manifest.txt"
#: Every generated file names its origin near its start (header or $comment).
MARKER = b"Generated by paygate"


def manifest_text(files: dict[str, str], spec: Spec) -> str:
    lines = [
        f"# {MARKER.decode()} from spec/ (spec sha256 {spec.digest}): the files",
        "# `paygate generate` wrote to this folder, one a line. It replaces or removes",
        "# only these; any other file here is kept as it is.",
        *sorted(rel for rel in files if rel != MANIFEST),
    ]
    return "\n".join(lines) + "\n"


def read_manifest(folder: Path, shown: str) -> set[str] | None:
    """The paths the manifest of ``folder`` lists; None when it has none.

    OutputRefused for an unreadable manifest, or one naming a path outside the
    folder: generate would otherwise remove what it was never given.
    """
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OutputRefused(f"{shown}/{MANIFEST}: cannot be read ({exc})") from None
    listed: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        rel = PurePosixPath(line)
        if rel.is_absolute() or ".." in rel.parts or rel.as_posix() != line or line == MANIFEST:
            raise OutputRefused(
                f"{shown}/{MANIFEST}:{number}: {line!r} is not a file path inside the folder; "
                "nothing was changed (fix or delete the manifest)"
            )
        listed.add(line)
    return listed


@dataclass
class Written:
    """What generate did to the output folder, path by path (relative to it)."""

    wrote: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # files generate did not make

    @property
    def changed(self) -> bool:
        return bool(self.wrote or self.removed)


def plan(project: Project, files: dict[str, str]) -> Written:
    """What write would do; OutputRefused if it would lose a file generate did not make."""
    target = project.generated
    folder = project.shown(target)
    here = target.resolve()
    if here == project.root.resolve() or here in project.root.resolve().parents:
        raise OutputRefused(f"{folder}/ holds the project itself: pick an output folder inside it")
    if target.exists() and not target.is_dir():
        raise OutputRefused(f"{folder} is a file, not an output folder")
    disk = _on_disk(project)
    owned = read_manifest(target, folder)
    if owned is None:
        owned = {rel for rel, data in disk.items() if MARKER in data[:300]}
        if disk and not owned:
            raise OutputRefused(
                f"{folder}/ is not empty and holds no file made by paygate generate: it is left "
                "as it is; pick an empty or new folder"
            )
    owned.add(MANIFEST)
    in_the_way = sorted(
        rel
        for rel in files
        if _blocked(target, rel)
        or (rel in disk and rel not in owned and disk[rel] != _bytes(files[rel]))
    )
    if in_the_way:
        listed = "".join(f"\n  {folder}/{rel}" for rel in in_the_way)
        raise OutputRefused(
            f"{folder}/: not made by paygate generate, in the way of generated files:{listed}\n"
            "nothing was changed; move them away and run generate again"
        )
    return Written(
        wrote=sorted(rel for rel in files if disk.get(rel) != _bytes(files[rel])),
        removed=sorted(rel for rel in disk if rel in owned and rel not in files),
        kept=sorted(rel for rel in disk if rel not in owned and rel not in files),
    )


def _bytes(text: str) -> bytes:
    return text.encode("utf-8")


def _blocked(target: Path, rel: str) -> bool:
    """A folder where the file goes, or a file where one of its folders goes."""
    path = target / rel
    if path.is_dir():
        return True
    return any(p.exists() and not p.is_dir() for p in path.parents if target in p.parents)


def write(project: Project, files: dict[str, str]) -> Written:
    """Make the output folder hold ``files``; every other file in it stays.

    The new tree (the files, and what the folder holds besides the files the
    manifest lists) is built in a sibling folder and swapped in with two
    renames, so readers see the old or the new tree, never a mix. If the swap
    fails, the old tree is put back. Nothing is touched when nothing changed.
    """
    target = project.generated
    done = plan(project, files)
    if not done.changed:
        return done
    owned = (read_manifest(target, project.shown(target)) or set()) | set(done.removed)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{target.name}-new-{os.getpid()}"
    old = parent / f".{target.name}-old-{os.getpid()}"
    for leftover in (staging, old):  # from a run that was killed mid-way
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        staging.mkdir()  # a plain mkdir: permissions follow the umask, as generated/ should
        if target.exists():
            _carry_over(target, staging, owned | set(files))
        for rel, text in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_bytes(text))
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
    return done


def _carry_over(source: Path, dest: Path, replaced: set[str]) -> None:
    """Put every entry of ``source`` but the ``replaced`` files into ``dest``, as it is.

    Files are hard-linked (the same file, not a copy) where the file system
    allows, else copied with their metadata; symbolic links stay links; empty
    folders stay. Python's caches (__pycache__) are carried over like any file;
    a folder that held only replaced files is not.
    """
    for dirpath, dirnames, filenames in os.walk(source):
        here = Path(dirpath)
        rel_dir = here.relative_to(source)
        if not dirnames and not filenames:
            (dest / rel_dir).mkdir(parents=True, exist_ok=True)
        links = [d for d in dirnames if (here / d).is_symlink()]
        for name in (*filenames, *links):
            rel = (rel_dir / name).as_posix()
            if rel in replaced:
                continue
            src, dst = here / name, dest / rel_dir / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_symlink():
                os.symlink(os.readlink(src), dst)
                continue
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)


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
            out.append(f"({folder}/{rel} is not made by the generator: move it out)\n")
    return "".join(out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use the `paygate` command")
