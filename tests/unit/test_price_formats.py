import datetime
import itertools
from decimal import Decimal

import pytest

from nomos_portal.services import spot_prices
from nomos_portal.services.price_formats import parse_price_export
from nomos_portal.services.spot_prices import PriceImportError

UTC = datetime.UTC


def utc(year, month, day, hour=0, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_day_rows(day: datetime.date, *, step_minutes: int, repeat_hour: int | None = None, skip_hour=None):
    """Wall-clock times of a Berlin day as an export writes them: the autumn hour twice, the spring hour never."""
    times = []
    for hour in range(24):
        if hour == skip_hour:
            continue
        repeats = 2 if hour == repeat_hour else 1
        for _ in range(repeats):
            for minute in range(0, 60, step_minutes):
                times.append(f"{day:%d.%m.%Y} {hour:02d}:{minute:02d}")
    return times


def smard_text(times: list[str]) -> str:
    lines = [
        "Datum von;Datum bis;Deutschland/Luxemburg [€/MWh] Originalauflösungen;Dänemark 1 [€/MWh] Originalauflösungen"
    ]
    for index, moment in enumerate(times):
        lines.append(f"{moment};{moment};{index},5;1.000,25")
    return "\n".join(lines) + "\n"


def test_autumn_day_hourly_local_has_25_hours():
    times = local_day_rows(datetime.date(2024, 10, 27), step_minutes=60, repeat_hour=2)
    parsed = parse_price_export(smard_text(times), source="smard.csv")
    starts = [point.start_at for point in parsed.points]
    assert len(starts) == 25
    assert starts[0] == utc(2024, 10, 26, 22)
    assert starts[2] == utc(2024, 10, 27, 0)
    assert starts[3] == utc(2024, 10, 27, 1)
    assert starts[-1] == utc(2024, 10, 27, 22)
    assert all(later - earlier == datetime.timedelta(hours=1) for earlier, later in itertools.pairwise(starts))
    assert {point.resolution_minutes for point in parsed.points} == {60}
    assert parsed.points[3].price_eur_per_mwh == Decimal("3.50")


def test_spring_day_hourly_local_has_23_hours():
    times = local_day_rows(datetime.date(2024, 3, 31), step_minutes=60, skip_hour=2)
    parsed = parse_price_export(smard_text(times), source="smard.csv")
    starts = [point.start_at for point in parsed.points]
    assert len(starts) == 23
    assert starts[0] == utc(2024, 3, 30, 23)
    assert starts[2] == utc(2024, 3, 31, 1)
    assert starts[-1] == utc(2024, 3, 31, 21)
    assert all(later - earlier == datetime.timedelta(hours=1) for earlier, later in itertools.pairwise(starts))


def test_autumn_day_quarter_hours_local_has_100_intervals():
    times = local_day_rows(datetime.date(2025, 10, 26), step_minutes=15, repeat_hour=2)
    parsed = parse_price_export(smard_text(times), source="smard.csv")
    starts = [point.start_at for point in parsed.points]
    assert len(starts) == 100
    assert len(set(starts)) == 100
    assert starts[0] == utc(2025, 10, 25, 22)
    assert starts[-1] == utc(2025, 10, 26, 22, 45)
    assert {point.resolution_minutes for point in parsed.points} == {15}


def test_spring_gap_time_is_rejected_with_line():
    times = local_day_rows(datetime.date(2024, 3, 31), step_minutes=60)
    with pytest.raises(PriceImportError) as caught:
        parse_price_export(smard_text(times), source="smard.csv")
    assert "smard.csv, line 4:" in str(caught.value)
    assert "does not exist in Europe/Berlin" in str(caught.value)


def test_autumn_hour_third_time_is_rejected():
    times = local_day_rows(datetime.date(2024, 10, 27), step_minutes=60, repeat_hour=2)
    times.insert(4, times[3])
    with pytest.raises(PriceImportError) as caught:
        parse_price_export(smard_text(times), source="smard.csv")
    assert "line 6:" in str(caught.value)
    assert "third time" in str(caught.value)


def test_entsoe_ranges_with_zone_names():
    text = (
        '"MTU (CET/CEST)","Day-ahead Price [EUR/MWh]","Currency"\n'
        '"27.10.2024 01:00 - 27.10.2024 02:00","10.00","EUR"\n'
        '"27.10.2024 02:00 (CET) - 27.10.2024 03:00 (CET)","12.00","EUR"\n'
        '"27.10.2024 02:00 (CEST) - 27.10.2024 02:00 (CET)","11.00","EUR"\n'
        '"27.10.2024 03:00 - 27.10.2024 04:00","13.00","EUR"\n'
    )
    parsed = parse_price_export(text, source="entsoe.csv")
    assert [point.start_at for point in parsed.points] == [
        utc(2024, 10, 26, 23),
        utc(2024, 10, 27, 0),
        utc(2024, 10, 27, 1),
        utc(2024, 10, 27, 2),
    ]
    assert [point.price_eur_per_mwh for point in parsed.points] == [
        Decimal("10.00"),
        Decimal("11.00"),
        Decimal("12.00"),
        Decimal("13.00"),
    ]


def test_utc_header_reads_naive_times_as_utc():
    text = "Datum (UTC),Preis (EUR/MWh)\n2024-10-27 00:00,1.5\n2024-10-27 01:00,2.5\n"
    parsed = parse_price_export(text, source="utc.csv")
    assert parsed.file_format.naive_time_zone == "UTC"
    assert [point.start_at for point in parsed.points] == [utc(2024, 10, 27, 0), utc(2024, 10, 27, 1)]


def test_timezone_option_overrides_header():
    text = "Datum (UTC),Preis (EUR/MWh)\n2024-06-01 00:00,1.5\n"
    parsed = parse_price_export(text, source="utc.csv", naive_time_zone="Europe/Berlin")
    assert parsed.points[0].start_at == utc(2024, 5, 31, 22)


def test_offsets_in_values_win_over_zone():
    text = "timestamp;price_eur_per_mwh\n2024-10-27T02:00:00+02:00;1,0\n2024-10-27T02:00:00+01:00;2,0\n"
    parsed = parse_price_export(text, source="offsets.csv")
    assert [point.start_at for point in parsed.points] == [utc(2024, 10, 27, 0), utc(2024, 10, 27, 1)]


def test_decimal_comma_with_thousands():
    text = "Datum;Preis [EUR/MWh]\n01.06.2024 00:00;1.234,56\n01.06.2024 01:00;-5,3\n01.06.2024 02:00;7\n"
    parsed = parse_price_export(text, source="comma.csv")
    assert parsed.file_format.decimal_comma
    assert [point.price_eur_per_mwh for point in parsed.points] == [
        Decimal("1234.56"),
        Decimal("-5.30"),
        Decimal("7.00"),
    ]


def test_cents_per_kwh_are_converted():
    text = "Datum;Spotmarktpreis in ct/kWh\n01.06.2024 00:00;8,123\n"
    parsed = parse_price_export(text, source="ct.csv")
    assert parsed.file_format.unit == "ct/kWh"
    assert parsed.points[0].price_eur_per_mwh == Decimal("81.23")


def test_missing_prices_are_skipped_and_counted():
    text = "Datum;Preis [EUR/MWh]\n01.06.2024 00:00;1,0\n01.06.2024 01:00;-\n01.06.2024 02:00;\n"
    parsed = parse_price_export(text, source="gaps.csv")
    assert len(parsed.points) == 1
    assert parsed.skipped_rows == 2


def test_malformed_row_names_line():
    text = "Datum;Preis [EUR/MWh]\n01.06.2024 00:00;1,0\n01.06.2024 01:00;abc\n01.06.2024 02:00;3,0\n"
    with pytest.raises(PriceImportError) as caught:
        parse_price_export(text, source="bad.csv")
    assert "bad.csv, line 3: invalid price" in str(caught.value)
    assert "Nothing was imported." in str(caught.value)


def test_wrong_field_count_names_line():
    text = "Datum;Preis [EUR/MWh]\n01.06.2024 00:00;1,0\n01.06.2024 01:00;2,0;extra\n"
    with pytest.raises(PriceImportError) as caught:
        parse_price_export(text, source="bad.csv")
    assert "bad.csv, line 3: 3 fields where the header has 2" in str(caught.value)


def test_repeated_interval_is_rejected():
    text = "timestamp_utc,price_eur_per_mwh\n2024-06-01T00:00:00Z,1\n2024-06-01T00:00:00Z,2\n"
    with pytest.raises(PriceImportError) as caught:
        parse_price_export(text, source="twice.csv")
    assert "line 3: 2024-06-01T00:00:00+00:00 repeats line 2" in str(caught.value)


def test_ambiguous_price_columns_need_option():
    text = "Datum;Frankreich [€/MWh];Österreich [€/MWh]\n01.06.2024 00:00;1,0;2,0\n"
    with pytest.raises(PriceImportError) as caught:
        parse_price_export(text, source="two.csv")
    assert "--price-column" in str(caught.value)
    parsed = parse_price_export(text, source="two.csv", price_column="Österreich [€/MWh]")
    assert parsed.points[0].price_eur_per_mwh == Decimal("2.00")


def test_unknown_column_option_is_rejected():
    with pytest.raises(PriceImportError) as caught:
        parse_price_export("a;b\n1;2\n", source="x.csv", time_column="start")
    assert "--time-column 'start' is not a column" in str(caught.value)


@pytest.mark.parametrize("name", spot_prices.DEMO_PRICE_FILES)
def test_shipped_files_parse_as_before(name: str):
    text = (spot_prices.DATA_DIR / name).read_text(encoding="utf-8")
    assert parse_price_export(text, source=name).points == spot_prices.parse_price_csv(text, source=name)
