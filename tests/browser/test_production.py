"""The production build (`reflex run --env prod --single-port`): the brand is there before hydration."""

from __future__ import annotations

import os
import re
import signal
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    Portal,
    screenshot,
    sign_in_through_page,
    start_portal,
    stop_portal,
    wait_for_path,
)
from tests.databases import TestDatabases

# Granian starts each new worker 3.5 s before it stops the old one, which then drains its websockets.
RESTART_TIMEOUT_SECONDS = 60
# The page retries a lost connection after 200 ms, then after growing pauses.
RECONNECT_TIMEOUT_SECONDS = 10

BRANDS = [
    # slug, title, surface colour, primary colour
    ("acme-power", "Acme Kundenportal", "rgb(247, 249, 252)", "#0b5fff"),
    ("lumio", "Lumio Kundenportal", "rgb(255, 248, 240)", "#c2185b"),
]


@pytest.fixture(scope="module")
def production_portal(
    tmp_path_factory: pytest.TempPathFactory, smtp_inbox, databases: TestDatabases
) -> Iterator[Portal]:
    running = start_portal(tmp_path_factory.mktemp("prod"), smtp_inbox[0], databases, production=True)
    yield running
    stop_portal(running, databases)


@pytest.fixture(scope="module")
def production_port(production_portal: Portal) -> int:
    return production_portal.port


def worker_pids(portal: Portal) -> set[int]:
    """The worker processes that Granian's main process (the `reflex run` process) has started."""
    children = Path(f"/proc/{portal.process.pid}/task/{portal.process.pid}/children").read_text()
    return {int(pid) for pid in children.split()}


def restart_workers(portal: Portal) -> None:
    """Restart the workers as `serve-production.sh restart` does and wait until the old ones ended."""
    old = worker_pids(portal)
    os.kill(portal.process.pid, signal.SIGHUP)
    deadline = time.monotonic() + RESTART_TIMEOUT_SECONDS
    while old & worker_pids(portal):
        assert time.monotonic() < deadline, f"the old workers {old} still run after {RESTART_TIMEOUT_SECONDS} s"
        time.sleep(0.2)
    assert worker_pids(portal), "no worker runs after the restart"


@pytest.mark.parametrize(("slug", "title", "surface", "primary"), BRANDS)
def test_brand_painted_before_hydration(browser: Browser, production_port, slug, title, surface, primary):
    # Without JavaScript the page shows exactly what the server sent: the first paint.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"http://{slug}.localhost:{production_port}/login")
    assert page.title() == title
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == surface
    accent = page.evaluate("getComputedStyle(document.querySelector('.radix-themes')).getPropertyValue('--accent-9')")
    assert accent.strip() == primary
    assert page.locator("link[rel=icon]").first.get_attribute("href") == f"/brands/{slug}.svg"
    assert page.evaluate("document.documentElement.lang") == "de"
    screenshot(page, f"{slug}-prod-first-paint")
    context.close()


def test_title_never_flashes_while_loading(browser: Browser, production_port):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://lumio.localhost:{production_port}/login", wait_until="commit")
    seen = set()
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        seen.add(page.title())
        page.wait_for_timeout(25)
    expect(page.locator("#email")).to_be_visible()
    assert seen - {""} == {"Lumio Kundenportal"}
    context.close()


def test_english_title_from_language_cookie(browser: Browser, production_port):
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(
        [{"name": "nomos_lang", "value": "en", "url": f"http://acme-power.localhost:{production_port}"}]
    )
    page = context.new_page()
    page.goto(f"http://acme-power.localhost:{production_port}/login")
    assert page.title() == "Acme customer portal"
    assert page.evaluate("document.documentElement.lang") == "en"
    context.close()


def signed_in_page(browser: Browser, base: str, email: str, inbox) -> tuple[BrowserContext, Page]:
    """Sign a customer in through `/login` in a new context and wait for the overview."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in_through_page(page, base, email, inbox)
    wait_for_path(page, "/overview")
    return context, page


def test_no_framework_badge_and_sign_in_works(browser: Browser, production_port, smtp_inbox):
    base = f"http://acme-power.localhost:{production_port}"
    context, page = signed_in_page(browser, base, "jonas.becker@example.com", smtp_inbox[1])
    expect(page.locator("#greeting")).to_have_text("Willkommen, Jonas Becker")
    assert "Built with Reflex" not in page.content()
    assert page.locator("a[href*='reflex.dev']").count() == 0
    cookie = next(c for c in context.cookies() if c["name"] == "nomos_session")
    assert cookie["secure"] is True
    assert cookie["httpOnly"] is True
    screenshot(page, "acme-power-prod-overview")
    context.close()


def test_overview_shows_data_without_websocket(browser: Browser, production_port, smtp_inbox):
    base = f"http://lumio.localhost:{production_port}"
    context, _page = signed_in_page(browser, base, "sophie.klein@example.org", smtp_inbox[1])
    # From here on, this context's websockets reach no server and receive nothing: what the new
    # tab shows came with its HTML.
    context.route_web_socket(re.compile(r".*/_event.*"), lambda socket: None)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    response = tab.goto(f"{base}/overview")
    assert response is not None
    assert response.request.redirected_from is None
    assert response.headers["cache-control"] == "no-store"
    expect(tab.locator("#greeting")).to_have_text("Willkommen, Sophie Klein")
    expect(tab.locator("#subscription-status")).to_have_text("Aktiv")
    expect(tab.locator("#nomos-state")).to_have_count(0)
    expect(tab.locator("#delivery-address")).to_contain_text("Kastanienallee 5")
    screenshot(tab, "lumio-prod-overview-from-html")
    context.close()


@pytest.mark.parametrize(("slug", "family", "file"), [("acme-power", "Archivo", "archivo"), ("lumio", "Lora", "lora")])
def test_brand_font_loads_without_stylesheet_request(browser: Browser, production_port, slug, family, file):
    context = browser.new_context()
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(urllib.parse.urlsplit(request.url).path))
    page.goto(f"http://{slug}.localhost:{production_port}/login")
    expect(page.locator("#email")).to_be_visible()
    loaded = page.evaluate(
        """async (family) => {
            await document.fonts.ready;
            return [...document.fonts].filter((face) => face.family.replaceAll('"', '') === family)
                .map((face) => `${face.weight} ${face.status}`);
        }""",
        family,
    )
    assert "400 loaded" in loaded
    assert f"/fonts/{file}/{file}-latin-400-normal.woff2" in requested
    assert f"/fonts/{file}.css" not in requested
    first_family = page.evaluate("getComputedStyle(document.body).fontFamily").split(",")[0]
    assert first_family.strip('" ') == family
    context.close()


def test_framework_modules_come_in_one_script(browser: Browser, production_port):
    """nomos_portal.bundling: React, React Router and the other modules every page needs share one file."""
    context = browser.new_context()
    page = context.new_page()
    scripts = []
    page.on(
        "response",
        lambda response: (
            scripts.append(Path(urllib.parse.urlsplit(response.url).path).name)
            if response.request.resource_type == "script"
            else None
        ),
    )
    page.goto(f"http://acme-power.localhost:{production_port}/login")
    expect(page.locator("#email")).to_be_visible()
    page.wait_for_load_state("networkidle")
    # Vite names each file `<chunk>-<8 characters of hash>.js`, and the hash may contain "-".
    names = {re.sub(r"-[\w-]{8}\.js$", "", name) for name in scripts}
    assert "framework" in names
    assert names.isdisjoint({"react", "react-dom", "preload-helper", "reflex-env", "createLucideIcon"}), scripts
    context.close()


STYLESHEETS = "() => [...document.styleSheets].map((sheet) => sheet.href || '')"


# The classes and data attributes of a page's root element, which make it the Radix theme. Emotion's
# "css-" class for the (empty) style that Reflex gives Radix's Theme does not count.
ROOT_THEME = """(element) => ({
    classes: [...element.classList].filter((name) => !name.startsWith('css-')).sort(),
    data: Object.fromEntries(Object.entries(element.dataset).sort()),
})"""
# An error message in Radix Themes' JavaScript, to tell its file from the others.
RADIX_THEMES_SCRIPT = "must be used within a `Theme`"


def test_radix_styles_load_after_overview(browser: Browser, production_port, smtp_inbox):
    """nomos_portal.bundling: the overview loads no Radix Themes script or component styles, the tariff page does."""
    base = f"http://acme-power.localhost:{production_port}"
    sign_in_context, _page = signed_in_page(browser, base, "info@baeckerei-hoffmann.example", smtp_inbox[1])
    # A new context, so that the sign-in page's scripts are not loaded already.
    context = browser.new_context(storage_state=sign_in_context.storage_state())
    sign_in_context.close()
    page = context.new_page()
    page.set_default_timeout(20_000)
    scripts = []
    page.on("response", lambda response: response.request.resource_type == "script" and scripts.append(response))
    page.goto(f"{base}/overview")
    expect(page.locator("#subscription-status")).to_have_text("Aktiv")
    page.wait_for_load_state("networkidle")
    assert scripts
    assert not any(RADIX_THEMES_SCRIPT in response.text() for response in scripts)
    assert not any("radix_components" in href for href in page.evaluate(STYLESHEETS))
    plain_root = page.locator(".portal-root").evaluate(ROOT_THEME)
    scripts.clear()

    # In the browser, React adds the stylesheet and shows the page once it has loaded.
    page.locator("nav a[href='/tariff']").click()
    wait_for_path(page, "/tariff")
    button = page.locator(".rt-Button").first
    expect(button).to_be_visible()
    assert any("radix_components" in href for href in page.evaluate(STYLESHEETS))
    # Radix sets the button's height variable in its component styles, for every size.
    height = button.evaluate("(element) => getComputedStyle(element).getPropertyValue('--base-button-height')")
    assert height.strip() != ""
    assert any(RADIX_THEMES_SCRIPT in response.text() for response in scripts)
    # Radix's own theme element carries what the overview's plain element copies.
    assert page.locator(".portal-root").evaluate(ROOT_THEME) == plain_root
    screenshot(page, "acme-power-prod-tariff-after-overview")
    context.close()


def test_radix_styles_in_login_html(browser: Browser, production_port):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"http://acme-power.localhost:{production_port}/login")
    hrefs = page.locator("head link[rel=stylesheet]").evaluate_all("(links) => links.map((link) => link.href)")
    assert any("radix_components" in href for href in hrefs)
    context.close()


def test_unknown_host_first_paint_names_no_tenant(browser: Browser, production_port):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"http://nobody.localhost:{production_port}/login")
    assert page.title() == "Portal nicht gefunden"
    html = page.content()
    assert "Acme" not in html
    assert "Lumio" not in html
    context.close()


def test_restart_keeps_tab_and_state(browser: Browser, production_portal: Portal, smtp_inbox):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket))
    base = f"http://lumio.localhost:{production_portal.port}"
    sign_in_through_page(page, base, "lea.wagner@example.org", smtp_inbox[1])
    wait_for_path(page, "/overview")
    # Navigate inside the page, so the websocket stays the one to watch.
    page.locator("nav a[href='/consumption']").click()
    wait_for_path(page, "/consumption")
    label = page.locator("#period-label")
    page.locator("#consumption-view").get_by_role("radio", name="Woche").click()
    expect(label).to_contain_text(" – ")
    this_week = label.inner_text()
    page.locator("#previous-period").click()
    expect(label).not_to_have_text(this_week)
    before_restart = label.inner_text()
    page.evaluate("window.sameDocument = true")

    opened_before = len(sockets)
    restart_workers(production_portal)

    # The tab reconnects by itself, before the customer does anything. After a socket.io disconnect
    # from the server, it would wait for the next click.
    deadline = time.monotonic() + RECONNECT_TIMEOUT_SECONDS
    while len(sockets) == opened_before:
        assert time.monotonic() < deadline, "the page opened no new websocket after the restart"
        page.wait_for_timeout(100)
    # The new worker found the week view in the stored state: one more step back is the week
    # before, not a day.
    page.locator("#previous-period").click()
    expect(label).not_to_have_text(before_restart)
    expect(label).to_contain_text(" – ")
    assert page.evaluate("window.sameDocument === true"), "the page was reloaded"
    expect(page.locator("#sign-out")).to_be_visible()
    context.close()
