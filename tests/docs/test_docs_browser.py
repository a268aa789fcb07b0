"""The HTML reference in a real browser: headless Chromium, opened from file://.

Needs Debian's chromium and chromium-driver (CI installs them with
`apt-get install -y chromium chromium-driver`), selenium (the test extra) and
axe-core (`npm install --prefix tests/docs`, done by `bash .ci/run`). When one
is missing the test fails, it does not skip: the sidebar, the menu, the filter,
the layout and the accessibility check are only proven in a browser.

Each check runs on a wide screen (1400 px) and a phone (390 px), in English
and German. Screenshots for review go to test-output/docs/.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docs_helpers import AXE, LANGS, NPM_INSTALL, ROOT, labels, spec

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
    "--hide-scrollbars",
    "--window-size=1400,900",
)
WIDE, PHONE = 1400, 390
WIDTHS = (WIDE, PHONE)
HEIGHT = {WIDE: 900, PHONE: 844}
VIEWS = [(width, lang) for width in WIDTHS for lang in LANGS]
TOTAL = sum(len(m.parameters) for m in spec().messages())


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
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver: Any, width: int = WIDE, suffix: str = "") -> None:
    driver.set_window_rect(width=width, height=HEIGHT[width])
    driver.get(PAGE.as_uri() + suffix)
    assert driver.execute_script("return document.readyState") == "complete"
    assert driver.execute_script("return window.innerWidth") == width


def _settle(driver: Any) -> None:
    """Wait two animation frames: the sidebar marks the part in view on the next frame."""
    driver.execute_async_script(
        "const done = arguments[0];"
        "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
    )


def _shot(driver: Any, name: str) -> None:
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def _visible_text(driver: Any) -> str:
    text: str = driver.execute_script("return document.body.innerText")
    return text


def _shipping_heading() -> Heading:
    msg = spec().message("alipayplus.payment.request")
    return next(e for e in msg.entries if isinstance(e, Heading))


def _choose(driver: Any, lang: str) -> None:
    driver.find_element("css selector", f'[data-choose-lang="{lang}"]').click()
    assert driver.execute_script("return document.body.dataset.lang") == lang


# --------------------------------------------------------------------------- language


def test_language_switch_shows_one_language(browser: Any) -> None:
    heading = _shipping_heading()
    decision = spec().errata[0].decision
    _open(browser)
    text = _visible_text(browser)
    assert heading.text.en in text and decision.en in text
    assert heading.text.de not in text and decision.de not in text

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
    en = browser.find_elements("css selector", 'main span[lang="en"]')
    assert en and not any(e.is_displayed() for e in en[:50])
    # Both language buttons stay visible whatever the language.
    assert all(
        b.is_displayed() for b in browser.find_elements("css selector", "[data-choose-lang]")
    )

    browser.find_element("css selector", '[data-choose-lang="en"]').click()
    assert heading.text.en in _visible_text(browser)


def test_query_opens_german(browser: Any) -> None:
    _open(browser, suffix="?lang=de")
    assert _shipping_heading().text.de in _visible_text(browser)
    assert browser.title.endswith(": " + labels("de")["reference"])


@pytest.mark.parametrize("width", WIDTHS)
def test_german_section_titles_are_german(browser: Any, width: int) -> None:
    _open(browser, width, "?lang=de")
    text = _visible_text(browser)
    for op in spec().operations:
        assert op.section_title is not None, f"{op.id}: no German section title"
        assert op.section_title.de in text
        if op.section != op.section_title.de:
            assert op.section not in text
    cells = browser.find_elements("css selector", "td.section .translated")
    assert len(cells) == len(spec().operations)
    assert all(labels("de")["translated"] in c.text for c in cells)


# --------------------------------------------------------------------------- anchors


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


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "row_id", ["alipayplus.inquire.result-Code", "alipayplus.payment.request-sdZip"]
)
def test_parameter_anchor_scrolls_to_its_row(browser: Any, row_id: str, width: int) -> None:
    _open(browser, width, "#" + row_id)
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


def test_a_condition_links_its_rule_and_the_key_it_names(browser: Any) -> None:
    _open(browser)
    row = browser.find_element("id", "alipayplus.payment.request-osType")
    condition = row.find_element("css selector", ".condition")
    hrefs = [
        a.get_attribute("href").split("#")[1] for a in condition.find_elements("css selector", "a")
    ]
    assert "alipayplus.payment.request-terminalType" in hrefs
    assert "alipayplus.payment.request-osType" not in hrefs  # no link to the row itself
    rule = "alipayplus.payment.request.rule-ostype-for-mobile-terminals"
    assert rule in hrefs
    condition.find_element("css selector", "a.rule-link").click()
    assert browser.execute_script("return location.hash") == "#" + rule
    assert browser.find_element("id", rule).is_displayed()


def test_copy_link_button_copies_the_rows_link(browser: Any) -> None:
    _open(browser, suffix="?lang=de")
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    target = "alipayplus.payment.request-osType"
    button = browser.find_element("css selector", f'button.copy[data-anchor="{target}"]')
    assert labels("de")["copy_link"].format(key="osType") == button.text or (
        button.get_attribute("textContent").strip()
        == labels("de")["copy_link"].format(key="osType")
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    url = f"{PAGE.as_uri()}?lang=de#{target}"
    copied = browser.execute_async_script(
        "const done = arguments[0];"
        "navigator.clipboard.readText().then(done, e => done('not readable: ' + e));"
    )
    assert copied == url
    status = browser.find_element("id", "status").text
    assert status == labels("de")["link_copied"].format(url=url)
    # The copied link opens the German page at the row.
    browser.get(copied)
    assert browser.execute_script("return document.body.dataset.lang") == "de"
    where = _row_position(browser, target)
    assert 0 <= where["top"] < where["height"] / 3 and not where["covered"], where


# --------------------------------------------------------------------------- sidebar


def _scroll_to(driver: Any, target: str) -> None:
    """Scroll so that ``target`` starts just below the sticky bar, as a reader would."""
    driver.execute_script(
        """
        const bar = document.querySelector(".bar").offsetHeight;
        const box = document.getElementById(arguments[0]).getBoundingClientRect();
        window.scrollTo(0, window.scrollY + box.top - bar - 4);
        """,
        target,
    )
    _settle(driver)


def _marked(driver: Any) -> list[str]:
    links = driver.find_elements("css selector", "#sidebar a[aria-current]")
    return [a.get_attribute("hash")[1:] for a in links]


def _in_view(driver: Any, element: Any, of: str = "") -> bool:
    """Whether ``element`` lies inside the window (and inside element ``of``, if given)."""
    inside: bool = driver.execute_script(
        """
        const box = arguments[0].getBoundingClientRect();
        const outer = arguments[1] ? document.querySelector(arguments[1]).getBoundingClientRect()
            : {top: 0, bottom: window.innerHeight};
        return box.height > 0 && box.top >= Math.max(0, outer.top) - 1
            && box.bottom <= Math.min(window.innerHeight, outer.bottom) + 1;
        """,
        element,
        of,
    )
    return inside


@pytest.mark.parametrize("lang", LANGS)
def test_sidebar_follows_the_scroll(browser: Any, lang: str) -> None:
    _open(browser, WIDE, f"?lang={lang}")
    sidebar = browser.find_element("id", "sidebar")
    assert sidebar.is_displayed()
    assert not browser.find_element("id", "menu-button").is_displayed()
    for target, parent in (
        ("alipayplus.payment.request", "alipayplus.payment"),
        ("alipayplus.reverse.result", "alipayplus.reverse"),
        ("alipayplus.credit-example", "alipayplus.credit"),
        ("alipayplus.inquire.request", "alipayplus.inquire"),
        ("legend", None),
    ):
        _scroll_to(browser, target)
        assert _marked(browser) == [target], f"scrolled to {target}"
        link = browser.find_element("css selector", f'#sidebar a[href="#{target}"]')
        # The sidebar stays on screen, the marked link inside its visible part.
        assert _in_view(browser, sidebar.find_element("css selector", ".nav-title")) or (
            browser.execute_script("return arguments[0].scrollTop", sidebar) > 0
        )
        assert _in_view(browser, link, "#sidebar"), f"{target}: its link is out of view"
        assert browser.execute_script(
            "return Math.round(arguments[0].getBoundingClientRect().top)", sidebar
        ) == browser.execute_script("return document.querySelector('.bar').offsetHeight")
        if parent:
            parent_link = browser.find_element("css selector", f'#sidebar a[href="#{parent}"]')
            assert "in" in parent_link.get_attribute("class").split()
        if target == "alipayplus.credit-example":
            _shot(browser, f"sidebar-{WIDE}-{lang}")
    _scroll_to(browser, "alipayplus.payment.request-sdZip")
    assert _marked(browser) == ["alipayplus.payment.request"]


@pytest.mark.parametrize("lang", LANGS)
def test_sidebar_is_a_menu_on_a_phone(browser: Any, lang: str) -> None:
    from selenium.webdriver.common.keys import Keys

    _open(browser, PHONE, f"?lang={lang}")
    sidebar = browser.find_element("id", "sidebar")
    button = browser.find_element("id", "menu-button")
    assert not sidebar.is_displayed() and button.is_displayed()
    assert button.get_attribute("aria-expanded") == "false"
    assert button.text == labels(lang)["contents"]

    _scroll_to(browser, "alipayplus.reverse.result")
    button.click()
    assert sidebar.is_displayed() and button.get_attribute("aria-expanded") == "true"
    assert _marked(browser) == ["alipayplus.reverse.result"]
    # The open menu covers the page from the bar down to the bottom of the window.
    box = browser.execute_script(
        "const b = document.getElementById('sidebar').getBoundingClientRect();"
        "return [b.top, b.bottom, document.querySelector('.bar').offsetHeight, innerHeight];"
    )
    assert round(box[0]) == box[2] and round(box[1]) == box[3], box
    marked = browser.find_element("css selector", "#sidebar a[aria-current]")
    assert marked.is_displayed() and _in_view(browser, marked, "#sidebar")
    _shot(browser, f"menu-{PHONE}-{lang}")

    browser.find_element("css selector", '#sidebar a[href="#legend"]').click()
    assert not sidebar.is_displayed() and button.get_attribute("aria-expanded") == "false"
    assert browser.execute_script("return location.hash") == "#legend"
    _settle(browser)
    assert _marked(browser) == ["legend"]

    button.click()
    assert sidebar.is_displayed()
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not sidebar.is_displayed()
    assert browser.switch_to.active_element.get_attribute("id") == "menu-button"


# --------------------------------------------------------------------------- filter


def _shown_rows(driver: Any, message: str) -> list[str]:
    rows = driver.find_elements("css selector", f'table[data-message="{message}"] tbody tr')
    return [r.get_attribute("id") or r.text for r in rows if r.is_displayed()]


def _shown_tables(driver: Any) -> list[str]:
    blocks = driver.find_elements("css selector", "section.message")
    return [b.get_attribute("data-message") for b in blocks if b.is_displayed()]


def _type(driver: Any, text: str) -> None:
    box = driver.find_element("id", "filter")
    box.clear()
    box.send_keys(text)
    if not text:  # clear() sends no input event
        driver.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")


def test_filter_hides_tables_without_a_match_and_says_when_nothing_matches(browser: Any) -> None:
    _open(browser)
    payment = "alipayplus.payment.request"
    assert len(_shown_rows(browser, payment)) == len(spec().message(payment).entries)
    assert len(_shown_tables(browser)) == len(list(spec().messages()))

    _type(browser, "sdZip")
    assert _shown_rows(browser, payment) == [
        _shipping_heading().text.en,  # the group heading stays with its row
        f"{payment}-sdZip",
    ]
    # Tables without a match are gone with their title and header, as are the
    # operations without a match and the parts of an operation that are no table.
    assert _shown_tables(browser) == [payment]
    shown_ops = [
        s.get_attribute("id")
        for s in browser.find_elements("css selector", "section.operation")
        if s.is_displayed()
    ]
    assert shown_ops == ["alipayplus.payment"]
    assert not browser.find_element("id", "alipayplus.payment-example").is_displayed()
    shown_links = [
        a.get_attribute("hash")[1:]
        for a in browser.find_elements("css selector", "#sidebar a")
        if a.is_displayed()
    ]
    assert shown_links == ["alipayplus.payment", payment, "legend", "errata"]
    count = browser.find_element("id", "filter-count").text
    assert count == labels("en")["filter_count"].format(shown=1, total=TOTAL)
    assert not browser.find_element("id", "no-match").is_displayed()

    _type(browser, "no-such-parameter")
    message = browser.find_element("id", "no-match")
    assert message.is_displayed()
    assert message.text == labels("en")["no_match"].format(query="no-such-parameter")
    assert _shown_tables(browser) == []
    assert browser.find_element("id", "filter-count").text == labels("en")["filter_count"].format(
        shown=0, total=TOTAL
    )
    _shot(browser, f"no-match-{WIDE}-en")

    _type(browser, "")
    assert not browser.find_element("id", "no-match").is_displayed()
    assert len(_shown_tables(browser)) == len(list(spec().messages()))
    assert len(_shown_rows(browser, payment)) == len(spec().message(payment).entries)


@pytest.mark.parametrize("lang", LANGS)
def test_filter_searches_keys_and_both_languages(browser: Any, lang: str) -> None:
    _open(browser, WIDE, f"?lang={lang}")
    payment = "alipayplus.payment.request"
    _type(browser, "merchantid")  # a key, in any case
    shown = _shown_rows(browser, payment)
    assert f"{payment}-MerchantID" in shown and f"{payment}-sdZip" not in shown
    assert _shipping_heading().text.get(lang) not in shown  # no row of the group matches
    # A word of either language finds its row, whichever language is shown.
    for word in ("Pflicht, wenn der Parameter Device", "Mandatory if the parameter Device"):
        _type(browser, word)
        assert _shown_rows(browser, payment) == [f"{payment}-osType"], word
    # A button's label ("Copy link to …") is no text of a row.
    _type(browser, labels(lang)["copy_link"].split("{")[0].strip())
    assert _shown_tables(browser) == []


@pytest.mark.parametrize(("width", "lang"), VIEWS)
def test_filter_and_language_survive_a_reload(browser: Any, width: int, lang: str) -> None:
    from selenium.webdriver.support.wait import WebDriverWait

    _open(browser, width)
    _choose(browser, lang)
    _type(browser, "sdZip")
    WebDriverWait(browser, 5).until(
        lambda d: "q=sdZip" in d.execute_script("return location.search")
    )
    assert f"lang={lang}" in browser.execute_script("return location.search")
    shared = browser.current_url
    for _ in ("reload", "open the shared link"):
        browser.refresh() if _ == "reload" else browser.get(shared)
        assert browser.find_element("id", "filter").get_attribute("value") == "sdZip"
        assert browser.execute_script("return document.body.dataset.lang") == lang
        assert browser.execute_script("return document.documentElement.lang") == lang
        payment = "alipayplus.payment.request"
        assert _shown_rows(browser, payment) == [
            _shipping_heading().text.get(lang),
            f"{payment}-sdZip",
        ]
        assert _shown_tables(browser) == [payment]
    _shot(browser, f"filtered-{width}-{lang}")


# --------------------------------------------------------------------------- layout


@pytest.mark.parametrize("width", [360, PHONE, 640, 899, 900, WIDE])
@pytest.mark.parametrize("lang", LANGS)
def test_nothing_scrolls_sideways(browser: Any, width: int, lang: str) -> None:
    HEIGHT.setdefault(width, 800)
    _open(browser, width, f"?lang={lang}")
    sizes = browser.execute_script(
        """
        const doc = document.documentElement;
        const wide = [];
        for (const e of document.querySelectorAll("body *")) {
          const box = e.getBoundingClientRect();
          if (box.width > 0 && box.right > doc.clientWidth + 0.5) wide.push(e.tagName);
        }
        return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide.slice(0, 5)};
        """
    )
    assert sizes["scroll"] <= sizes["client"], sizes
    if width < 900:
        browser.find_element("id", "menu-button").click()
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    # On a phone a parameter row is a card; wider, the table is a table.
    row = browser.find_element("id", "alipayplus.payment.request-osType")
    display = browser.execute_script("return getComputedStyle(arguments[0]).display", row)
    assert display == ("flex" if width < 640 else "table-row")
    if width in WIDTHS:
        _open(browser, width, f"?lang={lang}")
        _shot(browser, f"top-{width}-{lang}")
        _open(browser, width, f"?lang={lang}#alipayplus.payment.request-osType")
        _shot(browser, f"row-{width}-{lang}")
        _open(browser, width, f"?lang={lang}#alipayplus.reverse-example")
        _shot(browser, f"example-{width}-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_print_shows_whole_tables_without_the_navigation(browser: Any, lang: str) -> None:
    _open(browser, WIDE, f"?lang={lang}")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for selector in (".bar", "#sidebar", "button.copy"):
            shown = [e for e in browser.find_elements("css selector", selector) if e.is_displayed()]
            assert shown == [], f"{selector} is printed"
        tables = browser.execute_script(
            """
            return Array.from(document.querySelectorAll("main table")).map(t => ({
              fits: t.scrollWidth <= t.parentElement.clientWidth + 1,
              head: t.tHead ? getComputedStyle(t.tHead).display : "table-header-group",
              row: getComputedStyle(t.rows[t.rows.length - 1]).breakInside,
              display: getComputedStyle(t).display}));
            """
        )
        assert tables and all(t["fits"] for t in tables), tables
        assert {t["head"] for t in tables} == {"table-header-group"}
        assert {t["row"] for t in tables} == {"avoid"}
        assert {t["display"] for t in tables} == {"table"}  # no phone cards on paper
        pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
        import base64

        path = SHOTS / f"print-{lang}.pdf"
        path.write_bytes(base64.b64decode(pdf["data"]))
        assert path.read_bytes().startswith(b"%PDF")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


# --------------------------------------------------------------------------- accessibility


def _axe(driver: Any) -> list[dict[str, Any]]:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: {NPM_INSTALL}")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        """
        const done = arguments[0];
        axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
          .then(r => done(JSON.stringify({violations: r.violations, passes: r.passes.length})),
                e => done(JSON.stringify({error: String(e)})));
        """
    )
    report = json.loads(result)
    assert "error" not in report, report
    assert report["passes"] > 10, "axe checked nothing"
    violations: list[dict[str, Any]] = report["violations"]
    return violations


def _summary(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )


@pytest.mark.parametrize(("width", "lang"), VIEWS)
def test_accessibility_check_passes(browser: Any, width: int, lang: str) -> None:
    browser.set_script_timeout(60)
    _open(browser, width, f"?lang={lang}")
    violations = _axe(browser)
    assert violations == [], _summary(violations)
    if width < 900:  # the open menu too
        browser.find_element("id", "menu-button").click()
        violations = _axe(browser)
        assert violations == [], _summary(violations)


def test_keyboard_reaches_every_control(browser: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _open(browser)
    active = browser.switch_to
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert "skip" in active.active_element.get_attribute("class")
    active.active_element.send_keys(Keys.ENTER)
    assert active.active_element.get_attribute("id") == "main"

    # Language: a button, pressed with the space bar.
    browser.execute_script("document.querySelector('[data-choose-lang=\"de\"]').focus()")
    active.active_element.send_keys(Keys.SPACE)
    assert browser.execute_script("return document.body.dataset.lang") == "de"
    # The filter is the next stop after the language buttons.
    active.active_element.send_keys(Keys.TAB)
    assert active.active_element.get_attribute("id") == "filter"

    # From a row's key link, Tab reaches its copy button; Enter copies.
    key = "alipayplus.payment.request-osType"
    browser.execute_script(
        "document.getElementById(arguments[0]).querySelector('a.key').focus()", key
    )
    active.active_element.send_keys(Keys.TAB)
    assert active.active_element.get_attribute("data-anchor") == key
    active.active_element.send_keys(Keys.ENTER)
    status = browser.find_element("id", "status")
    assert status.text.endswith(f"#{key}") and status.text != ""

    # On a phone the menu opens from the keyboard, moves focus into it, closes with Escape.
    _open(browser, PHONE)
    browser.execute_script("document.getElementById('menu-button').focus()")
    active.active_element.send_keys(Keys.ENTER)
    assert browser.find_element("id", "sidebar").is_displayed()
    assert active.active_element.get_attribute("hash") == "#alipayplus.payment"
    active.active_element.send_keys(Keys.ESCAPE)
    assert not browser.find_element("id", "sidebar").is_displayed()
    assert active.active_element.get_attribute("id") == "menu-button"


def test_page_loads_nothing_from_outside(browser: Any) -> None:
    _open(browser)
    entries = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert entries == []
    assert Path(PAGE).stat().st_size > 0
