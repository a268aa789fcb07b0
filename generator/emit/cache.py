"""A per-user cache of the work `paygate generate` and `check` repeat on every run.

Each run compiles the same templates and formats the same code. Both are pure
functions of their input, so their results are kept in a per-user folder and
found again by what goes into them: jinja2 keeps a compiled template with the
checksum of its source (``render``), and ruff's output is kept under a hash of
ruff's version, its settings and the text it formats (``generate``). A changed
input misses the cache, so nothing stale is ever used, and a cache that cannot
be read or written only makes the run as slow as one without it.

The folder is ``$PAYGATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/paygate``, else
``~/.cache/paygate``; ``PAYGATE_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from functools import cache
from pathlib import Path

OFF = "off"
KEEP = 64  # formatted runs kept; older ones are removed when a new one is stored


@cache
def folder() -> Path | None:
    """The cache folder, made (owner-only) if need be; None when off or unusable."""
    chosen = os.environ.get("PAYGATE_CACHE_DIR")
    if chosen == OFF:
        return None
    if chosen:
        path = Path(chosen)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "paygate"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(path, os.W_OK):
            return None
    except OSError:
        return None
    return path


def subfolder(name: str) -> Path | None:
    base = folder()
    if base is None:
        return None
    path = base / name
    try:
        path.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return path


def key(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def load_texts(name: str, entry: str) -> dict[str, str] | None:
    """The texts stored under ``entry`` of cache ``name``, or None."""
    where = subfolder(name)
    if where is None:
        return None
    try:
        data = json.loads((where / f"{entry}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return None
    return data


def store_texts(name: str, entry: str, texts: dict[str, str]) -> None:
    """Keep ``texts`` under ``entry`` (written whole or not at all); drop the oldest entries."""
    where = subfolder(name)
    if where is None:
        return
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=where, suffix=".tmp", delete=False
        ) as out:
            json.dump(texts, out, ensure_ascii=False)
        os.replace(out.name, where / f"{entry}.json")
    except OSError:
        return
    prune(where, "*.json", KEEP)


def prune(where: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` newest files matching ``pattern`` (the cache's own)."""
    try:
        entries = sorted(where.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def prune_folders(where: Path, keep: int, idle: float = 600.0) -> None:
    """Remove the folders beyond the ``keep`` newest that no run touched for ``idle`` seconds."""
    try:
        folders = sorted(
            (p for p in where.iterdir() if p.is_dir()),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        now = time.time()
        for old in folders[keep:]:
            if now - old.stat().st_mtime > idle:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        return
