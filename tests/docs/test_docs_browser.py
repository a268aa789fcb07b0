"""The HTML reference in a real browser: headless Chromium, opened from file://.

Needs Debian's chromium and chromium-driver (CI installs them with
`apt-get install -y chromium chromium-driver`) and selenium (the test extra).
When they are missing the test fails, it does not skip: the page's language
switch, anchors and filter are only proven in a browser.
Screenshots of both languages go to test-output/docs/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docs_helpers import ROOT, labels, spec

from generator.spec.model import Heading

PAGE = ROOT / "generated" / "docs" / "index.html"
SHOTS = ROOT / "test-output" / "docs"
INSTALL = "apt-get update && apt-get install -y chromium chromium-driver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)


def _tool(names: tuple[str, ...], env: str) -> str:
    for name in (os.environ.get(env, ""), *names):
        found = name and shutil.which(name)
        if found:
            return found
    pytest.fail(f"{names[0]} not found (set {env} or install it: {INSTALL})")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    chromium = _tool(("chromium", "chromium-browser", "google-chrome"), "PAYGATE_CHROMIUM")
    driver_path = _tool(("chromedriver",), "PAYGATE_CHROMEDRIVER")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed: pip install -e '.[test]'")
    if not PAGE.is_file():
        pytest.fail(f"{PAGE} is missing: run `paygate generate`")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver: Any, suffix: str = "") -> None:
    driver.get(PAGE.as_uri() + suffix)
    assert driver.execute_script("return document.readyState") == "complete"


def _visible_text(driver: Any) -> str:
    text: str = driver.execute_script("return document.body.innerText")
    return text


def _shipping_heading() -> Heading:
    msg = spec().message("alipayplus.payment.request")
    return next(e for e in msg.entries if isinstance(e, Heading))


def test_language_switch_shows_one_language(browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    heading = _shipping_heading()
    decision = spec().errata[0].decision
    _open(browser)
    text = _visible_text(browser)
    assert heading.text.en in text and decision.en in text
    assert heading.text.de not in text and decision.de not in text
    browser.save_screenshot(str(SHOTS / "index.en.png"))

    button = browser.find_element("css selector", '[data-choose-lang="de"]')
    button.click()
    text = _visible_text(browser)
    assert heading.text.de in text and decision.de in text
    assert heading.text.en not in text and decision.en not in text
    assert browser.execute_script("return document.documentElement.lang") == "de"
    assert button.get_attribute("aria-pressed") == "true"
    placeholder = browser.find_element("id", "filter").get_attribute("placeholder")
    assert placeholder == labels("de")["filter_placeholder"]
    # Every English span is hidden, every German one shown (where its row is).
    en = browser.find_elements("css selector", 'main [lang="en"]')
    assert en and not any(e.is_displayed() for e in en[:50])
    browser.save_screenshot(str(SHOTS / "index.de.png"))

    browser.find_element("css selector", '[data-choose-lang="en"]').click()
    assert heading.text.en in _visible_text(browser)
    for name in ("index.en.png", "index.de.png"):
        assert (SHOTS / name).stat().st_size > 10_000


def test_query_opens_german(browser: Any) -> None:
    _open(browser, "?lang=de")
    assert _shipping_heading().text.de in _visible_text(browser)


def _row_position(driver: Any, row_id: str) -> dict[str, Any]:
    position: dict[str, Any] = driver.execute_script(
        """
        const row = document.getElementById(arguments[0]);
        const box = row.getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + 10, box.top + 5);
        return {top: box.top, scrollY: window.scrollY, height: window.innerHeight,
                covered: !(hit && hit.closest("tr") === row)};
        """,
        row_id,
    )
    return position


@pytest.mark.parametrize(
    "row_id", ["alipayplus.inquire.result-Code", "alipayplus.payment.request-sdZip"]
)
def test_parameter_anchor_scrolls_to_its_row(browser: Any, row_id: str) -> None:
    _open(browser, "#" + row_id)
    where = _row_position(browser, row_id)
    assert where["scrollY"] > 0
    assert 0 <= where["top"] < where["height"] / 3, where
    assert not where["covered"], "the sticky bar hides the row"


def test_following_a_link_scrolls_to_the_row(browser: Any) -> None:
    _open(browser)
    target = "alipayplus.payment.request-osType"
    link = browser.find_element("css selector", f'#errata a[href="#{target}"]')
    browser.execute_script("arguments[0].click()", link)
    assert browser.execute_script("return location.hash") == "#" + target
    where = _row_position(browser, target)
    assert where["scrollY"] > 0 and 0 <= where["top"] < where["height"] / 3, where
    assert not where["covered"]


def _shown_rows(driver: Any, message: str) -> list[str]:
    rows = driver.find_elements("css selector", f'table[data-message="{message}"] tbody tr')
    return [r.get_attribute("id") or r.text for r in rows if r.is_displayed()]


def test_filter_hides_rows_that_do_not_match(browser: Any) -> None:
    _open(browser)
    box = browser.find_element("id", "filter")
    total = sum(len(m.parameters) for m in spec().messages())
    payment = "alipayplus.payment.request"
    assert len(_shown_rows(browser, payment)) == len(spec().message(payment).entries)

    box.send_keys("sdZip")
    assert _shown_rows(browser, payment) == [
        _shipping_heading().text.en,  # the group heading stays with its row
        f"{payment}-sdZip",
    ]
    assert _shown_rows(browser, "alipayplus.inquire.result") == []
    count = browser.find_element("id", "filter-count").text
    assert count == labels("en")["filter_count"].format(shown=1, total=total)

    box.clear()
    box.send_keys("merchantid")  # any case
    shown = _shown_rows(browser, payment)
    assert f"{payment}-MerchantID" in shown and f"{payment}-sdZip" not in shown
    assert _shipping_heading().text.en not in shown  # no row of the group matches

    # The filter searches the language shown: a German word matches only in German.
    box.clear()
    box.send_keys("Pflicht")
    assert _shown_rows(browser, payment) == []
    browser.find_element("css selector", '[data-choose-lang="de"]').click()
    assert f"{payment}-osType" in _shown_rows(browser, payment)

    box.clear()
    box.send_keys(" ")
    box.clear()
    browser.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")
    assert len(_shown_rows(browser, payment)) == len(spec().message(payment).entries)


def test_page_loads_nothing_from_outside(browser: Any) -> None:
    _open(browser)
    entries = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert entries == []
    assert Path(PAGE).stat().st_size > 0
