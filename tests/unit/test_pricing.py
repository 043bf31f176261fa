import datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from nomos_portal.models import Levy, Plan, Subscription
from nomos_portal.services import pricing

# Stromnetz Berlin 2025 household working price, the KAV maximum concession levy
# for cities over 500,000 inhabitants and the 2026 levies.
COMPONENTS = pricing.PriceComponents(
    procurement_margin_ct_per_kwh=Decimal("2.00"),
    grid_fee_ct_per_kwh=Decimal("9.97"),
    concession_levy_ct_per_kwh=Decimal("2.39"),
    kwkg_ct_per_kwh=Decimal("0.446"),
    stromnev_19_ct_per_kwh=Decimal("1.559"),
    offshore_ct_per_kwh=Decimal("0.941"),
    electricity_tax_ct_per_kwh=Decimal("2.05"),
)


def test_compose_price_hand_calculated():
    # 100 EUR/MWh = 10 ct/kWh; net: 12.00 + 12.36 + 4.996 = 29.356 ct; gross x 1.19 = 34.93364 ct.
    price = pricing.compose_price(spot_eur_per_mwh=Decimal("100"), components=COMPONENTS)
    assert price.electricity_ct_per_kwh == Decimal("14.2800")
    assert price.grid_ct_per_kwh == Decimal("14.7084")
    assert price.levies_ct_per_kwh == Decimal("5.94524")
    assert price.total_ct_per_kwh == Decimal("34.93364")
    assert pricing.round_ct(price.total_ct_per_kwh) == Decimal("34.93")


def test_compose_price_negative_spot():
    # -135.45 EUR/MWh = -13.545 ct; electricity net -11.545 ct, gross -13.73855 ct.
    price = pricing.compose_price(spot_eur_per_mwh=Decimal("-135.45"), components=COMPONENTS)
    assert price.electricity_ct_per_kwh == Decimal("-13.73855")
    assert pricing.round_ct(price.total_ct_per_kwh) == Decimal("6.92")


def test_missing_spot_price_is_missing_not_zero():
    assert pricing.compose_price(spot_eur_per_mwh=None, components=COMPONENTS) is None


def test_zero_spot_price_still_has_components():
    price = pricing.compose_price(spot_eur_per_mwh=Decimal("0"), components=COMPONENTS)
    assert price.total_ct_per_kwh == (Decimal("2.00") + Decimal("12.36") + Decimal("4.996")) * Decimal("1.19")


def test_energy_cost_equals_priced_intervals():
    # Quarter hours with real-looking energy and spot prices, negative ones included.
    intervals = [
        (Decimal("0.242"), Decimal("100")),
        (Decimal("0.118"), Decimal("-135.45")),
        (Decimal("0.731"), Decimal("87.31")),
        (Decimal("0.005"), Decimal("0")),
        (Decimal("1.349"), Decimal("412.77")),
    ]
    one_by_one = sum(
        energy * pricing.compose_price(spot_eur_per_mwh=spot, components=COMPONENTS).total_ct_per_kwh
        for energy, spot in intervals
    )
    from_sums = pricing.energy_cost_ct(
        energy_kwh=sum(energy for energy, _spot in intervals),
        energy_times_spot=sum(energy * spot for energy, spot in intervals),
        components=COMPONENTS,
    )
    assert from_sums == one_by_one


def test_round_ct_half_up():
    assert pricing.round_ct(Decimal("31.415")) == Decimal("31.42")
    assert pricing.round_ct(Decimal("31.4149")) == Decimal("31.41")
    assert pricing.round_ct(Decimal("-0.005")) == Decimal("-0.01")


def test_components_from_database(session: Session, acme: Plan):
    subscription = session.exec(select(Subscription).where(Subscription.number == "ACME-100003")).one()
    components = pricing.components_for(session, plan=acme, subscription=subscription, day=datetime.date(2026, 6, 1))
    assert components.kwkg_ct_per_kwh == Decimal("0.446")
    assert components.electricity_tax_ct_per_kwh == Decimal("2.05")
    assert components.procurement_margin_ct_per_kwh == acme.procurement_margin_ct_per_kwh
    assert components.grid_fee_ct_per_kwh > 0


def test_levies_change_with_the_year(session: Session):
    assert pricing.levies_on(session, day=datetime.date(2025, 12, 31))["kwkg"] == Decimal("0.277")
    assert pricing.levies_on(session, day=datetime.date(2026, 1, 1))["kwkg"] == Decimal("0.446")


def test_missing_levy_raises(session: Session):
    for row in session.exec(select(Levy)).all():
        session.delete(row)
    session.commit()
    with pytest.raises(pricing.MissingComponentError, match="kwkg"):
        pricing.levies_on(session, day=datetime.date(2026, 1, 1))
