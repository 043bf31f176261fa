"""Sign-in and branding as they appear to a customer, on two tenant hosts of the development server.

Each customer may request one code a minute, so every test that signs in
through the page uses a customer no other test signs in with; the rest reuse
the cookies of the first sign-in (see `SignIns`).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIns, request_code, screenshot, sign_in_through_page, wait_for_path

TENANTS = [
    # slug, customer, page title, header colour, font family
    ("acme-power", "jonas.becker@example.com", "Acme Kundenportal", "rgb(11, 95, 255)", "Archivo"),
    ("lumio", "lea.wagner@example.org", "Lumio Kundenportal", "rgb(194, 24, 91)", "Lora"),
]


def base_url(slug: str, port: int) -> str:
    return f"http://{slug}.localhost:{port}"


@pytest.mark.parametrize(("slug", "email", "title", "primary", "font"), TENANTS)
def test_sign_in_lands_on_branded_overview(
    page: Page, portal_port, smtp_inbox, sign_ins: SignIns, slug, email, title, primary, font
):
    inbox = smtp_inbox[1]
    page.goto(base_url(slug, portal_port) + "/overview")
    page.wait_for_url(re.compile(r"/login\?next=/overview"))
    expect(page).to_have_title(title)
    screenshot(page, f"{slug}-login")

    before = inbox.count_for(email)
    request_code(page, email)
    page.locator("#code").fill(inbox.wait_for_code(email, after=before))
    page.locator("#verify-code").click()
    wait_for_path(page, "/overview")
    sign_ins.remember(slug, email, page)

    expect(page.locator("#greeting")).to_contain_text("Willkommen")
    expect(page).to_have_title(title)
    header_colour = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert header_colour == primary
    button_colour = page.evaluate("getComputedStyle(document.querySelector('#sign-out')).color")
    assert button_colour == "rgb(255, 255, 255)"
    heading_font = page.evaluate("getComputedStyle(document.querySelector('#greeting')).fontFamily")
    assert heading_font.strip('"').startswith(font)
    assert page.evaluate(f"document.fonts.ready.then(() => document.fonts.check('16px {font}'))")
    assert page.locator("link[rel=icon]").first.get_attribute("href") == f"/brands/{slug}.svg"
    screenshot(page, f"{slug}-overview")


def test_overview_shows_subscription_from_database(sign_ins: SignIns):
    page = sign_ins.page_for("acme-power", "jonas.becker@example.com")
    page.goto(base_url("acme-power", sign_ins.port) + "/overview")
    main = page.locator("main")
    expect(page.locator("#greeting")).to_have_text("Willkommen, Jonas Becker")
    expect(main).to_contain_text("Acme Power Dynamisch")
    expect(main).to_contain_text("ACME-100003")
    expect(page.locator("#subscription-status")).to_have_text("Aktiv")
    expect(main).to_contain_text("15.11.2024")
    expect(page.locator("#delivery-address")).to_contain_text("Bergmannstraße 88")
    expect(page.locator("#delivery-address")).to_contain_text("10961 Berlin")
    expect(main).to_contain_text("1EBZ0100598765")
    expect(main).to_contain_text("4.100 kWh")
    page.context.close()


def test_wrong_code_shows_attempts_left(page: Page, portal_port, smtp_inbox):
    inbox = smtp_inbox[1]
    page.goto(base_url("lumio", portal_port) + "/login")
    before = inbox.count_for("max.fischer@example.org")
    request_code(page, "max.fischer@example.org")
    code = inbox.wait_for_code("max.fischer@example.org", after=before)
    page.locator("#code").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.locator("#verify-code").click()
    expect(page.locator("#login-error")).to_have_text("Der Code ist falsch. Sie haben noch 4 Versuche.")
    page.locator("#code").fill("12ab")
    page.locator("#verify-code").click()
    expect(page.locator("#login-error")).to_have_text("Bitte geben Sie die sechs Ziffern aus der E-Mail ein.")
    assert "/login" in page.url
    screenshot(page, "lumio-wrong-code")

    # Asking again within a minute is refused with the wait time.
    page.get_by_role("button", name="Neuen Code anfordern").click()
    expect(page.locator("#login-error")).to_contain_text("Sie können in")
    expect(page.locator("#login-error")).to_contain_text("Sekunden einen neuen Code anfordern.")


def test_unknown_email_gets_same_answer_and_no_mail(page: Page, portal_port, smtp_inbox):
    page.goto(base_url("acme-power", portal_port) + "/login")
    # A lumio customer, unknown to acme-power. Other tests may have sent her lumio codes.
    mails_before = smtp_inbox[1].count_for("sophie.klein@example.org")
    request_code(page, "sophie.klein@example.org")
    expect(page.locator("#code-sent")).to_contain_text("Wenn diese Adresse zu einem Kundenkonto gehört")
    page.wait_for_timeout(1000)
    assert smtp_inbox[1].count_for("sophie.klein@example.org") == mails_before


def test_invalid_email_shows_message(page: Page, portal_port):
    page.goto(base_url("acme-power", portal_port) + "/login")
    expect(page.locator("#email")).to_be_visible()
    page.locator("#email").fill("anna(at)example")
    page.locator("#send-code").click()
    expect(page.locator("#login-error")).to_have_text(
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de."
    )
    expect(page.locator("#code")).to_have_count(0)


def test_unknown_hosts_show_neutral_page(page: Page, portal_port):
    for host in ("nobody.localhost", "a.lumio.localhost", "localhost"):
        page.goto(f"http://{host}:{portal_port}/login")
        expect(page.locator("#tenant-missing")).to_have_text("Portal nicht gefunden")
        text = page.locator("body").inner_text()
        assert "Acme" not in text
        assert "Lumio" not in text
        expect(page.locator("#email")).to_have_count(0)
    screenshot(page, "unknown-host")


def test_session_cookie_is_httponly_and_survives_restart(sign_ins: SignIns):
    page = sign_ins.page_for("acme-power", "jonas.becker@example.com")
    base = base_url("acme-power", sign_ins.port)
    page.goto(base + "/overview")
    expect(page.locator("#greeting")).to_contain_text("Jonas Becker")
    cookie = next(c for c in page.context.cookies() if c["name"] == "nomos_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["expires"] > 0
    assert "nomos_session" not in page.evaluate("document.cookie")

    page.reload()
    expect(page.locator("#greeting")).to_contain_text("Jonas Becker")

    # A new browser context with the saved cookies stands for a browser restart.
    restarted = sign_ins.browser.new_context(storage_state=page.context.storage_state())
    again = restarted.new_page()
    again.goto(base + "/overview")
    expect(again.locator("#greeting")).to_contain_text("Jonas Becker")
    restarted.close()
    page.context.close()


def test_session_token_refused_on_other_plan_host(sign_ins: SignIns):
    page = sign_ins.page_for("acme-power", "jonas.becker@example.com")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "nomos_session")
    page.context.close()
    other = sign_ins.browser.new_context()
    other.add_cookies(
        [{"name": "nomos_session", "value": token, "domain": "lumio.localhost", "path": "/", "httpOnly": True}]
    )
    stolen = other.new_page()
    stolen.goto(base_url("lumio", sign_ins.port) + "/overview")
    stolen.wait_for_url(re.compile(r"/login\?next=/overview"))
    expect(stolen.locator("#email")).to_be_visible()
    other.close()


def test_sign_out_revokes_session(page: Page, portal_port, smtp_inbox):
    base = base_url("acme-power", portal_port)
    sign_in_through_page(page, base, "info@baeckerei-hoffmann.example", smtp_inbox[1])
    expect(page.locator("#greeting")).to_have_text("Willkommen, Bäckerei Hoffmann GmbH")
    old_token = next(c["value"] for c in page.context.cookies() if c["name"] == "nomos_session")
    page.locator("#sign-out").click()
    wait_for_path(page, "/login")
    assert "nomos_session" not in {c["name"] for c in page.context.cookies()}

    # The old token no longer works, even where a copy of it was kept.
    page.context.add_cookies(
        [{"name": "nomos_session", "value": old_token, "domain": "acme-power.localhost", "path": "/", "httpOnly": True}]
    )
    page.goto(base + "/overview")
    page.wait_for_url(re.compile(r"/login\?next=/overview"))


def test_several_subscriptions_choose_and_switch(page: Page, portal_port, smtp_inbox, sign_ins: SignIns):
    base = base_url("acme-power", portal_port)
    sign_in_through_page(page, base, "anna.schmidt@example.com", smtp_inbox[1], path="/login?next=/overview")
    page.wait_for_url(re.compile(r"/subscriptions\?next=/overview"))
    screenshot(page, "acme-power-subscriptions")
    page.locator("#choose-ACME-100002").click()
    wait_for_path(page, "/overview")
    expect(page.locator("main")).to_contain_text("ACME-100002")
    expect(page.locator("#delivery-address")).to_contain_text("Kühlungsborn")
    # The holiday flat has an analog meter: the latest reading and a way to submit one.
    expect(page.locator("#current-consumption")).to_contain_text("Letzter Zählerstand:")
    expect(page.locator("#current-consumption")).to_contain_text("von Ihnen gemeldet")
    expect(page.locator("#submit-reading-link")).to_have_attribute("href", "/consumption")
    expect(page.locator("#next-bill")).to_contain_text("voraussichtlich")

    page.get_by_role("link", name="Verträge").click()
    wait_for_path(page, "/subscriptions")
    page.locator("#choose-ACME-100001").click()
    wait_for_path(page, "/overview")
    expect(page.locator("main")).to_contain_text("ACME-100001")
    sign_ins.remember("acme-power", "anna.schmidt@example.com", page)


def test_signed_out_visitor_returns_to_requested_page(page: Page, portal_port, smtp_inbox):
    inbox = smtp_inbox[1]
    page.goto(base_url("lumio", portal_port) + "/subscriptions")
    page.wait_for_url(re.compile(r"/login\?next=/subscriptions"))
    before = inbox.count_for("sophie.klein@example.org")
    request_code(page, "sophie.klein@example.org")
    page.locator("#code").fill(inbox.wait_for_code("sophie.klein@example.org", after=before))
    # Sophie's stored language is English, so her mail is English.
    message = [m for m in inbox.messages if m["To"] == "sophie.klein@example.org"][-1]
    assert message["Subject"] == "Your sign-in code for the Lumio customer portal"
    page.locator("#verify-code").click()
    wait_for_path(page, "/subscriptions")


def test_language_switch_is_remembered(page: Page, portal_port):
    base = base_url("lumio", portal_port)
    page.goto(base + "/login")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.locator("#language").select_option(label="English")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page).to_have_title("Lumio customer portal")
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "lumio-login-english")
