"""The production build (`reflex run --env prod --single-port`): the brand is there before hydration."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, sign_in_through_page, start_portal, stop_portal, wait_for_path
from tests.databases import TestDatabases

BRANDS = [
    # slug, title, surface colour, primary colour
    ("acme-power", "Acme Kundenportal", "rgb(247, 249, 252)", "#0b5fff"),
    ("lumio", "Lumio Kundenportal", "rgb(255, 248, 240)", "#c2185b"),
]


@pytest.fixture(scope="module")
def production_port(tmp_path_factory: pytest.TempPathFactory, smtp_inbox, databases: TestDatabases) -> Iterator[int]:
    running = start_portal(tmp_path_factory.mktemp("prod"), smtp_inbox[0], databases, production=True)
    yield running.port
    stop_portal(running, databases)


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


def test_no_framework_badge_and_sign_in_works(browser: Browser, production_port, smtp_inbox):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = f"http://acme-power.localhost:{production_port}"
    sign_in_through_page(page, base, "jonas.becker@example.com", smtp_inbox[1])
    wait_for_path(page, "/overview")
    expect(page.locator("#greeting")).to_have_text("Willkommen, Jonas Becker")
    assert "Built with Reflex" not in page.content()
    assert page.locator("a[href*='reflex.dev']").count() == 0
    cookie = next(c for c in context.cookies() if c["name"] == "nomos_session")
    assert cookie["secure"] is True
    assert cookie["httpOnly"] is True
    screenshot(page, "acme-power-prod-overview")
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
