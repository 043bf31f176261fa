"""The invoice pages on the development server, whose clock is fixed at 28 March 2026, 14:05."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import Session

from nomos_portal.services.seed import seed_demo_invoices
from tests.browser.conftest import FROZEN_NOW, Portal, SignIns, screenshot


@pytest.fixture(scope="module")
def invoiced_portal(portal: Portal) -> int:
    """Add the demo invoices to the running development server's database."""
    engine = sa.create_engine(portal.database_url)
    with Session(engine) as session:
        seed_demo_invoices(session, now=FROZEN_NOW)
    engine.dispose()
    return portal.port


def open_invoices(sign_ins: SignIns, path: str = "/invoices") -> Page:
    page = sign_ins.page_for("acme-power", "jonas.becker@example.com")
    page.goto(f"http://acme-power.localhost:{sign_ins.port}{path}")
    return page


def test_invoice_list_pages_and_detail(invoiced_portal: int, sign_ins: SignIns):
    page = open_invoices(sign_ins)
    expect(page.get_by_role("heading", name="Rechnungen")).to_be_visible()
    table = page.locator("#invoice-table")
    # 12 monthly invoices from March 2025 to February 2026, plus a void document and a reissued one.
    expect(table.locator("tbody tr")).to_have_count(10)
    expect(table.locator("tbody tr").first).to_contain_text("R-ACME-100003-202602")
    expect(table).to_contain_text("Storniert")
    expect(page.locator("#invoices-page")).to_have_text("1 / 2")
    screenshot(page, "invoices-list")

    page.locator("#invoices-next").click()
    page.wait_for_url("**/invoices?page=2")
    expect(page.locator("#invoices-page")).to_have_text("2 / 2")
    expect(table.locator("tbody tr")).to_have_count(4)

    page.get_by_role("link", name="R-ACME-100003-202503").click()
    expect(page.locator("#invoice-lines")).to_contain_text("Energie: Börsenpreis und Beschaffung 03/2025")
    expect(page.locator("#invoice-lines")).to_contain_text("Stromsteuer 03/2025")
    expect(page.locator("#invoice-lines tbody tr")).to_have_count(9)
    expect(page.locator("#invoice-totals")).to_contain_text("€")
    expect(page.locator("#invoice-days")).to_contain_text("31.03.2025")
    expect(page.locator("#invoice-payment")).to_contain_text("Bezahlt am")
    screenshot(page, "invoice-detail")

    # The demo meter data begins a year before the frozen clock, on 28 March 2025: four days have bars.
    expect(page.locator("#invoice-day-chart .recharts-bar-rectangle")).to_have_count(4)
    expect(page.locator("#invoice-facts")).to_contain_text("01.03.2025 bis 31.03.2025")

    with page.expect_download() as download_info:
        page.locator("#invoice-pdf").click()
    download = download_info.value
    assert download.suggested_filename == "R-ACME-100003-202503.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # Switching the language formats the shown invoice again, without reloading the page.
    page.locator("#language").select_option(label="English")
    expect(page.locator("#invoice-facts")).to_contain_text("1 Mar 2025 to 31 Mar 2025")
    expect(page.locator("#invoice-lines")).to_contain_text("Energy: spot price and procurement 03/2025")
    expect(page.locator("#invoice-payment")).to_contain_text("Paid on")
    page.locator("#language").select_option(label="Deutsch")
    expect(page.locator("#invoice-payment")).to_contain_text("Bezahlt am")


def test_foreign_invoice_shows_not_found(invoiced_portal: int, sign_ins: SignIns):
    page = open_invoices(sign_ins, "/invoices/999999")
    expect(page.locator("#invoice-not-found")).to_be_visible()
