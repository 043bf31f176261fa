"""The consumption page on the development server, whose clock is fixed at 28 March 2026, 14:05."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIns, screenshot, use_subscription

BARS = "#consumption-chart .recharts-bar-rectangle"


def open_consumption(sign_ins: SignIns, slug: str, email: str) -> Page:
    page = sign_ins.page_for(slug, email)
    page.goto(f"http://{slug}.localhost:{sign_ins.port}/consumption")
    expect(page.get_by_role("heading", name="Verbrauch und Kosten")).to_be_visible()
    return page


def test_views_and_previous_period(sign_ins: SignIns):
    page = open_consumption(sign_ins, "lumio", "lea.wagner@example.org")
    # Yesterday, 27 March 2026: 96 quarter hours.
    expect(page.locator("#period-label")).to_have_text("27.03.2026")
    expect(page.locator(BARS)).to_have_count(96)
    expect(page.locator("#period-total")).to_contain_text("Summe: ")
    expect(page.locator("#period-total")).to_contain_text("€")

    page.locator("#consumption-view").get_by_role("radio", name="Woche").click()
    expect(page.locator("#period-label")).to_have_text("23.03.2026 – 29.03.2026")
    # Saturday and Sunday have no data yet: gaps, so five bars.
    expect(page.locator(BARS)).to_have_count(5)
    screenshot(page, "lumio-consumption-week")

    page.locator("#previous-period").click()
    expect(page.locator("#period-label")).to_have_text("16.03.2026 – 22.03.2026")
    expect(page.locator(BARS)).to_have_count(7)

    page.locator("#consumption-view").get_by_role("radio", name="Monat").click()
    expect(page.locator("#period-label")).to_have_text("März 2026")
    expect(page.locator(BARS)).to_have_count(27)
    page.context.close()


def test_lower_reading_refused_higher_one_listed(sign_ins: SignIns):
    page = sign_ins.page_for("acme-power", "anna.schmidt@example.com")
    base = f"http://acme-power.localhost:{sign_ins.port}"
    use_subscription(page, base, "ACME-100002")
    page.goto(base + "/consumption")
    readings = page.locator("#reading-list li")
    expect(readings).to_have_count(2)
    latest = readings.first.inner_text()
    assert "von Ihnen gemeldet" in latest

    page.locator("#reading_value").fill("100")
    page.locator("#submit-reading").click()
    expect(page.locator("#reading-error")).to_contain_text("niedriger als der letzte")
    expect(readings).to_have_count(2)

    page.locator("#reading_value").fill("99999,9")
    page.locator("#submit-reading").click()
    expect(page.locator("#reading-error")).to_contain_text("mehr als fünfmal so hoch")
    expect(readings).to_have_count(2)

    value = latest.split(": ")[1].split("\xa0kWh")[0]
    higher = f"{float(value.replace('.', '').replace(',', '.')) + 20:.1f}".replace(".", ",")
    page.locator("#reading_value").fill(higher)
    page.locator("#reading_note").fill("Foto liegt vor")
    page.locator("#submit-reading").click()
    expect(page.locator("#reading-saved")).to_contain_text("28.03.2026")
    expect(readings).to_have_count(3)
    expect(readings.first).to_contain_text("28.03.2026")
    expect(readings.first).to_contain_text("Foto liegt vor")
    screenshot(page, "acme-power-readings")
    page.context.close()
