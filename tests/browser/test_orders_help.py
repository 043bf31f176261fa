"""Orders and the help center on the development server, whose clock is fixed at 28 March 2026, 14:05."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIns, screenshot, wait_for_path


def choose_contract(page: Page, base: str, number: str) -> None:
    """Make a contract the current one on /subscriptions, unless an earlier test chose it already."""
    page.goto(base + "/subscriptions")
    expect(page.get_by_text(number)).to_be_visible()
    button = page.locator(f"#choose-{number}")
    if button.count() > 0:
        button.click()
        wait_for_path(page, "/overview")


def test_pending_smart_meter_order_timeline(sign_ins: SignIns):
    page = sign_ins.page_for("acme-power", "anna.schmidt@example.com")
    base = f"http://acme-power.localhost:{sign_ins.port}"
    choose_contract(page, base, "ACME-100002")
    page.goto(base + "/orders")

    expect(page.get_by_role("heading", name="Bestellungen", exact=True)).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Einbautermin vereinbart")
    steps = page.locator("#order-timeline li")
    expect(steps).to_have_count(7)
    expect(page.locator("#order-timeline li[data-state='done']")).to_have_count(4)
    current = page.locator("#order-timeline li[data-state='current']")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Einbautermin vereinbart")
    expect(current).to_contain_text("Zählerschrank zugänglich")
    facts = page.locator(".order-fact")
    expect(facts).to_contain_text(["Bestellt am 16.02.2026"])
    expect(page.get_by_text("Messstellenbetreiber: E.DIS Netz GmbH")).to_be_visible()
    expect(page.get_by_text("Einbautermin: 14.04.2026, 08:00 Uhr")).to_be_visible()
    expect(page.get_by_text("etwa 8 Wochen")).to_contain_text("13.04.2026")
    # An order is under way: no second one is offered.
    expect(page.locator("#order-smart-meter")).to_have_count(0)
    expect(page.locator("#no-products")).to_have_text("Sie haben keine Zusatzprodukte gebucht.")
    screenshot(page, "acme-power-orders")
    page.context.close()


def test_smart_meter_modules_listed(sign_ins: SignIns):
    page = sign_ins.page_for("acme-power", "jonas.becker@example.com")
    page.goto(f"http://acme-power.localhost:{sign_ins.port}/orders")
    expect(page.locator("#smart-meter-note")).to_have_text("Ihre Zählerstelle hat bereits ein Smart Meter.")
    products = page.locator("#product-list li")
    expect(products).to_have_count(2)
    expect(page.locator("#product-list")).to_contain_text("Modul 1: pauschale Netzentgeltreduzierung")
    expect(page.locator("#product-list")).to_contain_text("gültig ab 01.01.2025")
    expect(page.locator("#product-list")).to_contain_text("Setzt ein Smart Meter voraus.")
    page.context.close()


def open_help(page: Page, port: int, slug: str = "acme-power") -> None:
    page.goto(f"http://{slug}.localhost:{port}/help")
    expect(page.get_by_role("heading", name="Hilfe", exact=True)).to_be_visible()


def search_help(page: Page, query: str) -> None:
    page.locator("#help-search").fill(query)
    page.locator("#help-search-button").click()


def test_help_search_german_without_sign_in(page: Page, portal_port: int):
    open_help(page, portal_port)
    expect(page.locator("#support-email")).to_have_text("service@acme-energie.example")
    expect(page.locator("#support-phone")).to_have_text("+49 30 1234567")
    expect(page.locator("#support-hours")).to_have_text("Mo–Fr 8–18 Uhr")
    expect(page.locator("#category-smart_meter")).to_contain_text("Warum lohnt sich ein Smart Meter?")

    search_help(page, "Zaehlerstand")
    results = page.locator(".help-result")
    expect(page.locator("#help-results-text")).to_contain_text("Suchergebnisse für „Zaehlerstand“")
    expect(results.first).to_contain_text("Zählerstand melden")
    expect(results.first).to_contain_text("Seite „Verbrauch“")
    screenshot(page, "acme-power-help-search")

    search_help(page, "Quantencomputer")
    expect(page.locator("#help-results-text")).to_contain_text("keinen Artikel gefunden")
    expect(results).to_have_count(0)
    page.locator("#help-clear").click()
    expect(page.locator("#category-sign_in")).to_be_visible()


def test_help_search_english(page: Page, portal_port: int):
    open_help(page, portal_port, "lumio")
    page.locator("#language").select_option(label="English")
    expect(page.get_by_role("heading", name="Help", exact=True)).to_be_visible()
    expect(page.locator("#support-email")).to_have_text("hallo@lumio-strom.example")

    search_help(page, "tomorrow prices")
    expect(page.locator(".help-result").first).to_contain_text("When can I see tomorrow's prices?")
    expect(page.locator(".help-result").first).to_contain_text("around 1 pm")


def test_contact_form_without_sign_in(page: Page, portal_port: int, smtp_inbox):
    _port, inbox = smtp_inbox
    page.goto(f"http://lumio.localhost:{portal_port}/help/contact")
    expect(page.get_by_role("heading", name="Nachricht an den Kundenservice")).to_be_visible()
    before = inbox.count_for("hallo@lumio-strom.example")

    page.locator("#contact-email").fill("interessent@example.net")
    page.locator("#contact-send").click()
    expect(page.locator("#contact-error")).to_have_text("Bitte schreiben Sie eine Nachricht.")

    page.locator("#contact-topic").click()
    page.get_by_role("option", name="Smart Meter").click()
    page.locator("#contact-message").fill("Bekomme ich als Neukunde ein Smart Meter?")
    page.locator("#contact-send").click()
    expect(page.locator("#contact-sent")).to_contain_text("Wir antworten an interessent@example.net.")
    expect(page.locator("#contact-message")).to_have_value("")

    received = [message for message in inbox.messages if message["To"] == "hallo@lumio-strom.example"]
    assert len(received) == before + 1
    assert received[-1]["Reply-To"] == "interessent@example.net"
    assert received[-1]["Subject"] == "[Kundenportal] Smart Meter – Kunde nicht angemeldet"
