"""The overview as a dashboard, on the development server whose clock is fixed at 28 March 2026, 14:05."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIns, screenshot

BARS = "#price-chart .price-bar"


def open_overview(sign_ins: SignIns) -> Page:
    page = sign_ins.page_for("acme-power", "jonas.becker@example.com")
    page.goto(f"http://acme-power.localhost:{sign_ins.port}/overview")
    expect(page.locator("#greeting")).to_contain_text("Jonas Becker")
    return page


def test_price_chart_today_and_dst_tomorrow(sign_ins: SignIns):
    page = open_overview(sign_ins)
    expect(page.locator("#current-price")).to_contain_text("(14:00–14:15 Uhr)")
    expect(page.locator("#current-price")).to_contain_text("ct/kWh")
    expect(page.locator(BARS)).to_have_count(96)
    # Two reference lines today: the zero line and the marker of the current interval.
    lines = page.locator("#price-chart .reference-line")
    expect(lines).to_have_count(2)
    expect(page.locator("#price-chart").get_by_text("Jetzt")).to_be_visible()
    expect(page.locator("#cheapest-hour")).to_contain_text("Günstigste Stunde: ")
    expect(page.locator("#dearest-hour")).to_contain_text("Teuerste Stunde: ")
    screenshot(page, "acme-power-dashboard-today")

    page.locator("#price-day").get_by_role("radio", name="Morgen").click()
    # 29 March 2026 has 23 hours: 92 quarter hours, and the clock jumps from 01:45 to 03:00.
    expect(page.locator(BARS)).to_have_count(92)
    expect(lines).to_have_count(1)
    expect(page.locator("#price-chart").get_by_text("Jetzt")).to_have_count(0)
    screenshot(page, "acme-power-dashboard-tomorrow-dst")


def test_best_times_consumption_and_next_bill(sign_ins: SignIns):
    page = open_overview(sign_ins)
    expect(page.locator("#best-times li")).to_have_count(3)
    expect(page.locator("#best-times li").first).to_contain_text("1 h am Stück:")
    expect(page.locator("#current-consumption")).to_contain_text("kWh")
    expect(page.locator("#current-consumption")).to_contain_text("27.03.2026")
    expect(page.locator("#next-bill")).to_contain_text("am 01.04.2026: voraussichtlich")
    expect(page.locator("#next-bill")).to_contain_text("€")
    page.context.close()
