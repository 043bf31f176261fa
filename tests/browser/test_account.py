"""The account page on the development server, as Jonas Becker on acme-power."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIns, screenshot


def open_account(sign_ins: SignIns) -> Page:
    page = sign_ins.page_for("acme-power", "jonas.becker@example.com")
    page.goto(f"http://acme-power.localhost:{sign_ins.port}/account")
    expect(page.get_by_role("heading", name="Konto", exact=True)).to_be_visible()
    expect(page.locator("#payment-facts")).to_contain_text("SEPA-Lastschrift")
    return page


def test_bad_iban_then_valid_iban_masked(sign_ins: SignIns):
    page = open_account(sign_ins)
    # Jonas's seeded IBAN ends in 2051.
    expect(page.locator("#payment-facts")).to_contain_text("DE02 **** **** **** **20 51")

    page.locator("#iban").fill("DE88 3704 0044 0532 0130 00")
    page.locator("#mandate").click()
    page.locator("#save-payment").click()
    expect(page.locator("#payment-message")).to_have_text(
        "Die Prüfziffern der IBAN stimmen nicht. Bitte prüfen Sie die Eingabe."
    )
    expect(page.locator("#payment-facts")).to_contain_text("DE02 **** **** **** **20 51")
    expect(page.locator("#payment-facts")).not_to_contain_text("DE88")

    expect(page.locator("#mandate-text")).to_contain_text("DE98ZZZ09999999999")
    # The seeded mandate is M01, so the new one will be M02.
    expect(page.locator("#mandate-text")).to_contain_text("ACME-100003-M02")
    page.locator("#iban").fill("de89 3704 0044 0532 0130 00")
    page.locator("#save-payment").click()
    expect(page.locator("#payment-message")).to_contain_text("Die neue Zahlungsweise ist gespeichert")
    facts = page.locator("#payment-facts")
    expect(facts).to_contain_text("DE89 **** **** **** **30 00")
    expect(facts).to_contain_text("Commerzbank")
    expect(facts).to_contain_text("ACME-100003-M02")
    expect(page.locator("#iban")).to_have_value("")
    assert "0532 0130" not in page.content()
    assert "0532013000" not in page.content()
    screenshot(page, "acme-power-account-payment")
    page.context.close()


def test_change_billing_address(sign_ins: SignIns):
    page = open_account(sign_ins)
    page.locator("#billing_street").fill("Hauptstraße")
    page.locator("#billing_house_number").fill("7b")
    page.locator("#billing_zip").fill("5066")
    page.locator("#billing_city").fill("Köln")
    page.locator("#save-billing").click()
    expect(page.locator("#billing-message")).to_have_text("Die Postleitzahl hat genau 5 Ziffern.")

    page.locator("#billing_zip").fill("50667")
    page.locator("#save-billing").click()
    expect(page.locator("#billing-message")).to_have_text("Die Rechnungsadresse ist gespeichert.")
    page.reload()
    expect(page.locator("#billing_zip")).to_have_value("50667")
    expect(page.locator("#billing_street")).to_have_value("Hauptstraße")
    page.context.close()


def test_phone_saved_and_delivery_address_read_only(sign_ins: SignIns):
    page = open_account(sign_ins)
    page.locator("#phone").fill("030 1234 5678")
    page.locator("#save-details").click()
    expect(page.locator("#details-message")).to_be_visible()
    page.reload()
    expect(page.locator("#phone")).to_have_value("030 1234 5678")

    # The delivery address is text with a way to ask support, never a form field.
    expect(page.locator("#delivery-address")).to_contain_text("Bergmannstraße 88")
    expect(page.locator("#delivery-address input")).to_have_count(0)
    for name in ("street", "address_street", "delivery_street"):
        expect(page.locator(f"input[name={name}]")).to_have_count(0)
    expect(page.locator("a[href='/help/contact']")).to_have_count(1)
    page.context.close()
