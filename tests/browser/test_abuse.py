"""Markup typed into a form in Chromium: a rejected entry shows its error, accepted markup stays text.

Anna Schmidt on acme-power types HTML and script into the personal details
form. The page must never run it: no dialog, no flag set by the markup, no
element created from it. The names are restored at the end, because other
modules sign in as Anna too.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIns, screenshot, use_subscription

ANNA = "anna.schmidt@example.com"
# Each sets a flag (and opens a dialog) if the browser ever runs it.
IMAGE = "<img src=x onerror=\"window.__injected='img';alert(1)\">"
SCRIPT = "<script>window.__injected='script';alert(2)</script>"
PHONE_SCRIPT = "<script>alert(3)</script>"


def assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert page.evaluate("window.__injected") is None
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []


def save_details(page: Page, *, first: str, last: str, phone: str) -> None:
    page.locator("#first_name").fill(first)
    page.locator("#last_name").fill(last)
    page.locator("#phone").fill(phone)
    page.locator("#save-details").click()


def test_markup_in_personal_details_is_rejected_or_shown_as_text(sign_ins: SignIns):
    page = sign_ins.page_for("acme-power", ANNA)
    base = f"http://acme-power.localhost:{sign_ins.port}"
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    use_subscription(page, base, "ACME-100002")
    page.goto(base + "/account")
    expect(page.get_by_role("heading", name="Konto", exact=True)).to_be_visible()
    expect(page.locator("#first_name")).to_have_value("Anna")
    phone = page.locator("#phone").input_value()
    try:
        # Markup is no phone number: the form shows the error and stores nothing.
        save_details(page, first=IMAGE, last=SCRIPT, phone=PHONE_SCRIPT)
        expect(page.locator("#details-message")).to_have_text(
            "Die Telefonnummer darf nur Ziffern, Leerzeichen, „+“, „/“, „-“ und Klammern enthalten "
            "und braucht mindestens 5 Ziffern."
        )
        assert_nothing_ran(page, dialogs)
        page.reload()
        expect(page.locator("#first_name")).to_have_value("Anna")
        expect(page.locator("#phone")).to_have_value(phone)

        # In a name it is valid text: stored as typed and shown as text.
        save_details(page, first=IMAGE, last=SCRIPT, phone=phone)
        expect(page.locator("#details-message")).to_have_text("Ihre Daten sind gespeichert.")
        page.reload()
        expect(page.locator("#first_name")).to_have_value(IMAGE)
        expect(page.locator("#last_name")).to_have_value(SCRIPT)
        page.goto(base + "/overview")
        expect(page.locator("#greeting")).to_have_text(f"Willkommen, {IMAGE} {SCRIPT}")
        screenshot(page, "acme-power-overview-markup-name")
        assert_nothing_ran(page, dialogs)
    finally:
        page.goto(base + "/account")
        save_details(page, first="Anna", last="Schmidt", phone=phone)
        expect(page.locator("#details-message")).to_be_visible()
        page.context.close()
