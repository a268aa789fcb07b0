"""The HTML reference is valid HTML: the Nu Html Checker (vnu.jar) finds no error.

vnu.jar comes from the npm registry (vnu-jar, pinned in tests/docs/package.json,
installed by `bash .ci/run`) and runs on the machine's Java.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from docs_helpers import NPM_INSTALL, ROOT, VNU, docs


def _vnu(page: Path) -> subprocess.CompletedProcess[str]:
    java = shutil.which("java")
    if java is None:
        pytest.fail("java not found: the Nu Html Checker needs it (apt-get install default-jre)")
    if not VNU.is_file():
        pytest.fail(f"vnu.jar is not installed at {VNU}: {NPM_INSTALL}")
    return subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "text", str(page)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_committed_page_is_valid_html() -> None:
    checked = _vnu(ROOT / "generated" / "docs" / "index.html")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_checker_finds_an_invalid_page(tmp_path: Path) -> None:
    # The same page with a duplicate id and a stray end tag: the checker must say so.
    page = tmp_path / "index.html"
    html = docs()["docs/index.html"]
    page.write_text(html.replace("<main ", '<p id="legend"></div><main ', 1), encoding="utf-8")
    checked = _vnu(page)
    assert checked.returncode != 0
    assert "Duplicate ID" in checked.stdout + checked.stderr
