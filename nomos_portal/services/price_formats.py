"""Read day-ahead prices from the CSV exports of public sources, not only the portal's own format.

The parser accepts semicolon, comma or tab separators and a decimal point or
decimal comma. Timestamps may be in UTC, carry an offset or zone name, or be
Berlin local time. Rows may be hourly or 15 minutes long. Prices are in
EUR/MWh, or in ct/kWh when the header says so. The columns are found by their header names, e.g. `timestamp_utc` and
`price_eur_per_mwh` (the portal's files), `Datum von` and
`Deutschland/Luxemburg [€/MWh] Originalauflösungen` (SMARD), or
`MTU (CET/CEST)` and `Day-ahead Price [EUR/MWh]` (ENTSO-E).
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from decimal import Decimal

from nomos_portal.services.csv_files import (
    BERLIN,
    CsvImportError,
    TimestampParser,
    parse_decimal,
    read_csv,
    row_error,
)
from nomos_portal.services.spot_prices import PriceImportError, PricePoint, price_points

# Header words that mark the column with the interval start, tried in this order.
TIME_COLUMN_PREFIXES = ("timestamp_utc", "timestamp", "start", "datum", "date", "mtu", "zeit", "time", "von")
# Header words that mark a price column.
PRICE_COLUMN_MARKERS = ("eur/mwh", "€/mwh", "ct/kwh", "price", "preis")
# Header words that mark the DE-LU bidding zone among several price columns.
DE_LU_MARKERS = ("de-lu", "de_lu", "de/lu", "deutschland/luxemburg", "germany/luxembourg", "germany-luxembourg")
UTC_MARKERS = ("utc", "gmt")
# Cells that exports use for an interval without a published price.
MISSING_VALUES = ("", "-", "n/e", "n/a", "na", "nan")
# Numeric(10, 2) in the spot_price table.
MAX_ABS_PRICE = Decimal("99999999.99")


@dataclasses.dataclass(frozen=True)
class PriceFileFormat:
    """The columns, separators and time zone detected in a price file, printed so the operator can check them."""

    delimiter: str
    decimal_comma: bool
    time_column: str
    price_column: str
    # "UTC" or "Europe/Berlin": how times without offset or zone name were read.
    naive_time_zone: str
    unit: str


@dataclasses.dataclass(frozen=True)
class ParsedPrices:
    """Prices read from a file, in time order, with the rows that had no price."""

    points: list[PricePoint]
    file_format: PriceFileFormat
    skipped_rows: int


def _pick_time_column(columns: list[str], source: str) -> str:
    lowered = [name.lower() for name in columns]
    for prefix in TIME_COLUMN_PREFIXES:
        for name, lower in zip(columns, lowered, strict=True):
            if lower.startswith(prefix):
                return name
    msg = f"{source}: no timestamp column found among {', '.join(columns)}; name it with --time-column."
    raise PriceImportError(msg)


def _pick_price_column(columns: list[str], time_column: str, source: str) -> str:
    candidates = [
        name
        for name in columns
        if name != time_column and any(marker in name.lower() for marker in PRICE_COLUMN_MARKERS)
    ]
    if len(candidates) > 1:
        de_lu = [name for name in candidates if any(marker in name.lower() for marker in DE_LU_MARKERS)]
        candidates = de_lu if len(de_lu) == 1 else candidates
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        msg = f"{source}: no price column in EUR/MWh found among {', '.join(columns)}; name it with --price-column."
    else:
        msg = f"{source}: several price columns ({', '.join(candidates)}); choose one with --price-column."
    raise PriceImportError(msg)


def parse_price_export(
    text: str,
    *,
    source: str = "file",
    time_column: str | None = None,
    price_column: str | None = None,
    naive_time_zone: str | None = None,
) -> ParsedPrices:
    """Parse a day-ahead price export into price points in UTC.

    Args:
        text: The file's content.
        source: File name for error messages.
        time_column: Header of the interval-start column; found by name when omitted.
        price_column: Header of the price column; found by name when omitted.
        naive_time_zone: "UTC" or "Europe/Berlin" for timestamps without offset or zone name.
            When omitted, a time column header that mentions UTC or GMT means UTC, otherwise Berlin time.

    Returns:
        The prices in time order. Rows whose price is empty or "-" are skipped and counted.

    Raises:
        PriceImportError: A missing column, a malformed row (named by its line number),
            a nonexistent local time or a repeated interval.
    """
    try:
        table = read_csv(text, source=source)
    except CsvImportError as error:
        raise PriceImportError(str(error)) from None
    for option, name in (("--time-column", time_column), ("--price-column", price_column)):
        if name is not None and name not in table.columns:
            msg = f"{source}: {option} {name!r} is not a column; the header has {', '.join(table.columns)}."
            raise PriceImportError(msg)
    time_column = time_column or _pick_time_column(table.columns, source)
    price_column = price_column or _pick_price_column(table.columns, time_column, source)

    if naive_time_zone is None:
        naive_time_zone = "UTC" if any(marker in time_column.lower() for marker in UTC_MARKERS) else "Europe/Berlin"
    if naive_time_zone not in ("UTC", "Europe/Berlin"):
        msg = f"Time zone {naive_time_zone!r} is not supported; use UTC or Europe/Berlin."
        raise PriceImportError(msg)
    parser = TimestampParser(naive_zone=datetime.UTC if naive_time_zone == "UTC" else BERLIN)

    # One decision per file: a comma in any price means decimal commas, and dots separate thousands.
    decimal_comma = any("," in row[price_column] for _line, row in table.rows)
    cents = "ct/kwh" in price_column.lower()
    file_format = PriceFileFormat(
        delimiter=table.delimiter,
        decimal_comma=decimal_comma,
        time_column=time_column,
        price_column=price_column,
        naive_time_zone=naive_time_zone,
        unit="ct/kWh" if cents else "EUR/MWh",
    )

    rows: list[tuple[datetime.datetime, Decimal, int]] = []
    skipped = 0
    for line, row in table.rows:
        try:
            start = parser.parse(row[time_column])
        except ValueError as error:
            raise PriceImportError(str(row_error(source, line, f"invalid timestamp: {error}"))) from None
        cell = row[price_column]
        if cell.strip().lower() in MISSING_VALUES:
            skipped += 1
            continue
        try:
            price = _parse_price(cell, decimal_comma=decimal_comma, cents=cents)
        except ValueError as error:
            raise PriceImportError(str(row_error(source, line, f"invalid price: {error}"))) from None
        rows.append((start, price, line))

    rows.sort(key=lambda item: item[0])
    for (previous, _price, previous_line), (start, _next_price, line) in itertools.pairwise(rows):
        if start == previous:
            moment = start.isoformat()
            msg = f"{source}, line {line}: {moment} repeats line {previous_line}. Nothing was imported."
            raise PriceImportError(msg)
    points = price_points([(start, price) for start, price, _line in rows])
    return ParsedPrices(points=points, file_format=file_format, skipped_rows=skipped)


def _parse_price(cell: str, *, decimal_comma: bool, cents: bool) -> Decimal:
    price = parse_decimal(cell, decimal_comma=decimal_comma)
    if cents:
        # 1 ct/kWh = 10 EUR/MWh.
        price *= 10
    # Auction prices have two decimals; exports may carry float noise such as 0.5700000000000001.
    price = price.quantize(Decimal("0.01"))
    if abs(price) > MAX_ABS_PRICE:
        msg = f"{cell!r} is out of range for a price in EUR/MWh"
        raise ValueError(msg)
    return price
