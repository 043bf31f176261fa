"""Compose a dynamic tariff's customer price from the spot price and its components.

Working price = EPEX day-ahead + procurement margin + local grid fee + concession
levy + levies (KWKG, § 19 StromNEV, offshore grid levy) + electricity tax, all
plus 19 % VAT. As in the Nomos API, the result is reported in ct/kWh including
VAT, split into the components `electricity`, `grid` and `levies`.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, select

from nomos_portal.models import GridArea, Levy, Plan, Subscription

VAT_RATE = Decimal("0.19")
LEVY_CODES = ("kwkg", "stromnev_19", "offshore", "electricity_tax")
CENT = Decimal("0.01")


class MissingComponentError(LookupError):
    """Raised when a levy or the grid area needed for a price is not in the database."""


@dataclasses.dataclass(frozen=True)
class PriceComponents:
    """Everything but the spot price, in ct/kWh net of VAT."""

    procurement_margin_ct_per_kwh: Decimal
    grid_fee_ct_per_kwh: Decimal
    concession_levy_ct_per_kwh: Decimal
    kwkg_ct_per_kwh: Decimal
    stromnev_19_ct_per_kwh: Decimal
    offshore_ct_per_kwh: Decimal
    electricity_tax_ct_per_kwh: Decimal
    vat_rate: Decimal = VAT_RATE

    @property
    def grid_net_ct_per_kwh(self) -> Decimal:
        """Grid fee plus concession levy, net."""
        return self.grid_fee_ct_per_kwh + self.concession_levy_ct_per_kwh

    @property
    def levies_net_ct_per_kwh(self) -> Decimal:
        """Levies and electricity tax, net."""
        return (
            self.kwkg_ct_per_kwh
            + self.stromnev_19_ct_per_kwh
            + self.offshore_ct_per_kwh
            + self.electricity_tax_ct_per_kwh
        )


@dataclasses.dataclass(frozen=True)
class CustomerPrice:
    """A customer's working price for one interval, in ct/kWh including VAT, unrounded."""

    electricity_ct_per_kwh: Decimal
    grid_ct_per_kwh: Decimal
    levies_ct_per_kwh: Decimal

    @property
    def total_ct_per_kwh(self) -> Decimal:
        """The gross working price."""
        return self.electricity_ct_per_kwh + self.grid_ct_per_kwh + self.levies_ct_per_kwh


def eur_per_mwh_to_ct_per_kwh(price_eur_per_mwh: Decimal) -> Decimal:
    """Convert EUR/MWh to ct/kWh: 100 EUR/MWh = 10 ct/kWh."""
    return price_eur_per_mwh / Decimal(10)


def compose_price(*, spot_eur_per_mwh: Decimal | None, components: PriceComponents) -> CustomerPrice | None:
    """Compute the gross customer price for one interval.

    Args:
        spot_eur_per_mwh: The day-ahead price, or None where none was published.
        components: The plan's, grid area's and national components.

    Returns:
        The price with VAT on every component, or None for a missing spot
        price: a missing price must never show as 0.
    """
    if spot_eur_per_mwh is None:
        return None
    gross = Decimal(1) + components.vat_rate
    electricity_net = eur_per_mwh_to_ct_per_kwh(spot_eur_per_mwh) + components.procurement_margin_ct_per_kwh
    return CustomerPrice(
        electricity_ct_per_kwh=electricity_net * gross,
        grid_ct_per_kwh=components.grid_net_ct_per_kwh * gross,
        levies_ct_per_kwh=components.levies_net_ct_per_kwh * gross,
    )


def energy_cost_ct(*, energy_kwh: Decimal, energy_times_spot: Decimal, components: PriceComponents) -> Decimal:
    """Compute the gross cost in ct of intervals that `compose_price` prices, from two sums.

    The price is linear in the spot price, so the sum of energy times price over the
    intervals equals this result, exactly in Decimal arithmetic. A month of quarter hours
    then needs no price object per interval.

    Args:
        energy_kwh: The intervals' energy in kWh, summed.
        energy_times_spot: Each interval's energy in kWh times its spot price in EUR/MWh, summed.
        components: The plan's, grid area's and national components.
    """
    gross = Decimal(1) + components.vat_rate
    fixed_net = (
        components.procurement_margin_ct_per_kwh + components.grid_net_ct_per_kwh + components.levies_net_ct_per_kwh
    )
    return (eur_per_mwh_to_ct_per_kwh(energy_times_spot) + fixed_net * energy_kwh) * gross


def round_ct(value: Decimal) -> Decimal:
    """Round ct/kWh to two decimals, half up, for display."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def levies_on(session: Session, *, day: datetime.date) -> dict[str, Decimal]:
    """The levies in force on a day, by code.

    Raises:
        MissingComponentError: A levy has no entry valid on that day.
    """
    rows = session.exec(select(Levy).where(Levy.valid_from <= day).order_by(col(Levy.valid_from))).all()
    current = {row.code: row.ct_per_kwh for row in rows}
    missing = [code for code in LEVY_CODES if code not in current]
    if missing:
        msg = f"No levy valid on {day.isoformat()} for: {', '.join(missing)}. Add it to the levy table."
        raise MissingComponentError(msg)
    return current


def components_for(session: Session, *, plan: Plan, subscription: Subscription, day: datetime.date) -> PriceComponents:
    """Collect the components of a subscription's price on a day.

    Raises:
        MissingComponentError: The subscription has no grid area, or a levy is missing.
    """
    if subscription.grid_area_id is None:
        msg = f"Subscription {subscription.number} has no grid area, so its grid fees are unknown."
        raise MissingComponentError(msg)
    grid = session.get(GridArea, subscription.grid_area_id)
    if grid is None:
        msg = f"Grid area {subscription.grid_area_id} of subscription {subscription.number} does not exist."
        raise MissingComponentError(msg)
    levies = levies_on(session, day=day)
    return PriceComponents(
        procurement_margin_ct_per_kwh=plan.procurement_margin_ct_per_kwh,
        grid_fee_ct_per_kwh=grid.grid_fee_ct_per_kwh,
        concession_levy_ct_per_kwh=grid.concession_levy_ct_per_kwh,
        kwkg_ct_per_kwh=levies["kwkg"],
        stromnev_19_ct_per_kwh=levies["stromnev_19"],
        offshore_ct_per_kwh=levies["offshore"],
        electricity_tax_ct_per_kwh=levies["electricity_tax"],
    )
