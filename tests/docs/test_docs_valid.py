"""The HTML reference is valid HTML: the Nu Html Checker (vnu.jar) finds no error.

vnu.jar comes from the npm registry (vnu-jar, pinned in tests/docs/package.json,
installed by `bash .ci/run`) and runs on the machine's Java. One run checks the
committed page and a broken copy of it, which the checker must reject.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from docs_helpers import NPM_INSTALL, ROOT, VNU, docs

PAGE = ROOT / "generated" / "docs" / "index.html"


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The checker's errors for each page: path → its error lines ("" when valid)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("java not found: the Nu Html Checker needs it (apt-get install default-jre)")
    if not VNU.is_file():
        pytest.fail(f"vnu.jar is not installed at {VNU}: {NPM_INSTALL}")
    # The same page with a duplicate id and a stray end tag.
    broken = tmp_path_factory.mktemp("vnu") / "broken.html"
    html = docs()["docs/index.html"]
    broken.write_text(html.replace("<main ", '<p id="legend"></div><main ', 1), encoding="utf-8")
    run = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "gnu", str(PAGE), str(broken)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = (run.stdout + run.stderr).splitlines()
    out = {}
    for page in (PAGE, broken):
        out[str(page)] = "\n".join(
            line for line in lines if page.name in line and page.parent.name in line
        )
    if not out[str(broken)]:  # a checker that rejects nothing proves nothing
        pytest.fail(f"the Nu Html Checker did not run (exit {run.returncode}):\n{run.stderr}")
    return out


def test_the_committed_page_is_valid_html(checked: dict[str, str]) -> None:
    assert checked[str(PAGE)] == ""


def test_the_checker_finds_an_invalid_page(checked: dict[str, str]) -> None:
    (errors,) = [text for page, text in checked.items() if page != str(PAGE)]
    assert "Duplicate ID" in errors
