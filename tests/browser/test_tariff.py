"""The tariff page on the development server, whose clock is fixed at 28 March 2026, 14:05."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIns, screenshot, use_subscription


def open_tariff(sign_ins: SignIns, slug: str, email: str) -> Page:
    page = sign_ins.page_for(slug, email)
    page.goto(f"http://{slug}.localhost:{sign_ins.port}/tariff")
    expect(page.get_by_role("heading", name="Tarif und Vertrag")).to_be_visible()
    return page


def wait_for_mail(inbox, address: str, subject: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(m["To"] == address and m["Subject"] == subject for m in inbox.messages):
            return
        time.sleep(0.1)
    raise AssertionError(f"No mail {subject!r} to {address}")


def test_cancel_contract_and_withdraw(sign_ins: SignIns, smtp_inbox):
    page = open_tariff(sign_ins, "lumio", "lea.wagner@example.org")
    expect(page.locator("#price-table")).to_contain_text("Börsenstrompreis")
    expect(page.locator("#price-table")).to_contain_text("ct/kWh")
    expect(page.locator("#contract-facts")).to_contain_text("1 Monat(e) zum Monatsende")
    # The minimum term runs 12 months from 1 June 2025, so the earliest end is the end of May 2026.
    expect(page.locator("#contract-facts")).to_contain_text("letzter Liefertag 31.05.2026")

    # A move-out with a bad postcode is refused and nothing changes.
    page.locator("#reason-MOVE_OUT").click()
    page.locator("#move_out_date").fill("2026-04-30")
    page.locator("#street").fill("Neue Straße")
    page.locator("#house_number").fill("5")
    page.locator("#zip").fill("123")
    page.locator("#city").fill("Kiel")
    page.locator("#check-cancellation").click()
    expect(page.locator("#cancel-message")).to_have_text("Die Postleitzahl hat genau 5 Ziffern.")
    expect(page.locator("#termination-status")).to_have_count(0)

    page.locator("#reason-ORDINARY").click()
    page.locator("#check-cancellation").click()
    expect(page.locator("#cancel-question")).to_contain_text("Ablauf des 31.05.2026")
    page.locator("#confirm-cancellation").click()
    expect(page.locator("#cancel-message")).to_contain_text("Ihre Kündigung ist eingegangen")
    expect(page.locator("#termination-status")).to_have_text("Kündigung eingegangen: letzter Liefertag 31.05.2026")
    wait_for_mail(smtp_inbox[1], "lea.wagner@example.org", "Ihre Kündigung bei Lumio")
    screenshot(page, "lumio-tariff-cancelled")

    page.locator("#withdraw-cancellation").click()
    expect(page.locator("#cancel-message")).to_contain_text("zurückgezogen")
    expect(page.locator("#termination-status")).to_have_count(0)
    page.context.close()


def test_meter_swap_then_readings_continue(sign_ins: SignIns):
    page = sign_ins.page_for("acme-power", "anna.schmidt@example.com")
    base = f"http://acme-power.localhost:{sign_ins.port}"
    use_subscription(page, base, "ACME-100002")
    page.goto(base + "/tariff")
    expect(page.get_by_role("heading", name="Tarif und Vertrag")).to_be_visible()

    page.locator("#swap_date").fill("2026-03-27")
    page.locator("#old_final_reading").fill("100")
    page.locator("#new_meter_number").fill("1NEW0000000042")
    page.locator("#new_start_reading").fill("0,0")
    page.locator("#report-swap").click()
    expect(page.locator("#swap-message")).to_contain_text("niedriger als der letzte Zählerstand")

    page.locator("#old_final_reading").fill("10880,0")
    page.locator("#report-swap").click()
    expect(page.locator("#swap-message")).to_contain_text("Zähler 1NEW0000000042")
    expect(page.locator("#contract-facts")).to_contain_text("1NEW0000000042")

    page.goto(base + "/consumption")
    page.locator("#reading_value").fill("12,5")
    page.locator("#submit-reading").click()
    expect(page.locator("#reading-saved")).to_be_visible()
    newest = page.locator("#reading-list li").first
    expect(newest).to_contain_text("12,5 kWh")
    expect(newest).to_contain_text("12,5 kWh in 1 Tagen")
    screenshot(page, "acme-power-after-meter-swap")
    page.context.close()
