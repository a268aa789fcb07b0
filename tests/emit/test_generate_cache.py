"""The per-user cache of `paygate generate` changes how fast it runs, never what it writes.

Compiled templates, ruff's output, the ISO lists and the docs' copy of the
package are kept between runs (generator/emit/cache.py). Each run here is a
fresh process with its own cache folder: no cache, a cold one, a warm one, an
edited template under a warm cache, a broken cache entry, a cache folder that
cannot be made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from emit_helpers import copy_project, snapshot

PAYGATE = Path(sys.executable).with_name("paygate")


def generate(project: Path, cache: str | Path) -> dict[str, bytes]:
    env = {**os.environ, "PAYGATE_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [str(PAYGATE), "generate", "--root", str(project)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {k: v[0] for k, v in snapshot(project / "generated").items()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def test_cold_and_warm_cache_write_what_no_cache_writes(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    without = generate(project, "off")
    assert not cache.exists()
    assert generate(project, cache) == without
    kinds = {p.name.split("-")[0] for p in cache.iterdir()}
    assert {"jinja2", "ruff", "iso", "docs"} <= kinds
    assert generate(project, cache) == without


def test_an_edited_template_is_never_served_from_the_cache(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    generate(project, cache)  # warm
    template = project / "templates" / "python" / "validators.py.j2"
    text = template.read_text(encoding="utf-8")
    marker = "compiled once at import."
    assert marker in text
    template.write_text(text.replace(marker, marker + " Edited."), encoding="utf-8")
    warm = generate(project, cache)
    assert b"compiled once at import. Edited." in warm["paygate/validators.py"]
    assert generate(project, "off") == warm


def test_a_broken_cache_entry_is_ignored(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = generate(project, cache)
    for folder in ("ruff", "iso"):
        for entry in (cache / folder).glob("*.json"):
            entry.write_text('{"paygate/validators.py": ', encoding="utf-8")  # cut short
    for entry in (cache / "ruff").glob("*.json"):
        entry.write_text('{"paygate/validators.py": "x = 1\\n"}', encoding="utf-8")  # too few
    (project / "generated" / "paygate" / "validators.py").unlink()
    assert generate(project, cache) == good


def test_a_cache_that_cannot_be_made_is_left_out(project: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert generate(project, blocked / "cache") == generate(project, "off")
    assert blocked.read_text(encoding="utf-8") == "not a folder"


def test_the_docs_follow_an_edited_docs_template_under_a_warm_cache(
    project: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    generate(project, cache)  # warm: the docs are kept whole
    labels = project / "templates" / "docs" / "labels.en.json"
    text = labels.read_text(encoding="utf-8")
    assert '"Request"' in text
    labels.write_text(text.replace('"Request"', '"Request, edited"', 1), encoding="utf-8")
    warm = generate(project, cache)
    assert b"Request, edited" in warm["docs/index.html"]
    assert generate(project, "off") == warm


def test_the_docs_cache_key_holds_the_generators_own_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Docs come from code as well as templates: a changed generator misses the cache."""
    from generator.emit import cache
    from generator.emit import generate as gen
    from generator.spec.loader import load_spec
    from generator.spec.project import Project

    monkeypatch.setenv("PAYGATE_CACHE_DIR", str(tmp_path / "cache"))
    cache.folder.cache_clear()
    project = Project(Path(__file__).resolve().parents[2])
    spec = load_spec(project.spec)
    rendered = {"paygate/x.py": "x = 1\n"}
    calls: list[int] = []

    def emit_docs(*args: object) -> dict[str, str]:
        calls.append(1)
        return {"docs/a.md": "a\n"}

    monkeypatch.setattr(gen, "emit_docs", emit_docs)
    assert gen.cached_docs(spec, project.templates, rendered) == {"docs/a.md": "a\n"}
    assert gen.cached_docs(spec, project.templates, rendered) == {"docs/a.md": "a\n"}
    assert calls == [1]  # the second came from the cache
    monkeypatch.setattr(gen, "_generator_source", lambda: "another generator")
    gen.cached_docs(spec, project.templates, rendered)
    assert calls == [1, 1]
    cache.folder.cache_clear()
