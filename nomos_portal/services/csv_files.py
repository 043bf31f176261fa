"""Read operator CSV files: separator, decimal comma, Berlin local time and errors with line numbers."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import re
from collections.abc import Hashable
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
DELIMITERS = (";", ",", "\t")
# Zone names that exports append to local times; they settle which 02:xx of the autumn DST day is meant.
ZONE_OFFSETS = {
    "CET": datetime.timedelta(hours=1),
    "MEZ": datetime.timedelta(hours=1),
    "CEST": datetime.timedelta(hours=2),
    "MESZ": datetime.timedelta(hours=2),
    "UTC": datetime.timedelta(0),
    "GMT": datetime.timedelta(0),
}
_ZONE_SUFFIX = re.compile(r"\s*\(?\b(" + "|".join(ZONE_OFFSETS) + r")\)?$", re.IGNORECASE)
# Day first, as German and ENTSO-E exports write it: 27.10.2024 02:00 or 27/10/2024 02:00:00.
_GERMAN_DATETIME = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_POINT_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_COMMA_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


class CsvImportError(ValueError):
    """Raised for a file that cannot be imported; the message names the line, and nothing was written."""


def row_error(source: str, line: int, message: str) -> CsvImportError:
    """Build the error for one bad row: file, line number, reason and the fact that nothing was written."""
    return CsvImportError(f"{source}, line {line}: {message}. Nothing was imported.")


@dataclasses.dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and rows, each row with the line number it starts on."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    delimiter: str


def detect_delimiter(header: str) -> str:
    """Pick the separator that occurs most often in the header line; a comma on a tie."""
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return best if counts[best] else ","


def read_csv(text: str, *, source: str) -> CsvTable:
    """Split a CSV text with a header line into rows, separated by semicolons, commas or tabs.

    Blank lines are skipped. Cells are stripped of surrounding spaces.

    Raises:
        CsvImportError: No header, a repeated column name, or a row with the wrong number of cells.
    """
    text = text.removeprefix("\ufeff")
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    if not header_line:
        msg = f"{source}: the file is empty; expected a header line with column names."
        raise CsvImportError(msg)
    delimiter = detect_delimiter(header_line)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    line_number = 1
    for cells in reader:
        start_line = line_number
        line_number = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        cells = [cell.strip() for cell in cells]
        if columns is None:
            columns = cells
            repeated = sorted({name for name in columns if columns.count(name) > 1})
            if repeated:
                msg = f"{source}, line {start_line}: column {repeated[0]!r} appears twice in the header."
                raise CsvImportError(msg)
            continue
        if len(cells) != len(columns):
            raise row_error(
                source,
                start_line,
                f"{len(cells)} fields where the header has {len(columns)}, separated by {delimiter!r}",
            )
        rows.append((start_line, dict(zip(columns, cells, strict=True))))
    return CsvTable(columns=columns or [], rows=rows, delimiter=delimiter)


def check_columns(table: CsvTable, *, required: tuple[str, ...], optional: tuple[str, ...], source: str) -> None:
    """Reject a header that lacks a required column or has one the importer does not know.

    Raises:
        CsvImportError: Naming the missing or unknown columns and the accepted ones.
    """
    missing = [name for name in required if name not in table.columns]
    if missing:
        msg = f"{source}: column {', '.join(missing)} is missing; the header has {', '.join(table.columns)}."
        raise CsvImportError(msg)
    unknown = [name for name in table.columns if name not in required + optional]
    if unknown:
        msg = (
            f"{source}: unknown column {', '.join(repr(name) for name in unknown)}; "
            f"accepted columns are {', '.join(required + optional)}."
        )
        raise CsvImportError(msg)


def parse_decimal(text: str, *, decimal_comma: bool) -> Decimal:
    """Parse a number with a decimal point, or with a decimal comma and optional dots between thousands.

    Raises:
        ValueError: The text is not such a number.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma:
        if not _COMMA_NUMBER.match(cleaned):
            msg = f"{text!r} is not a number with a decimal comma such as 1.234,56"
            raise ValueError(msg)
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif not _POINT_NUMBER.match(cleaned):
        msg = f"{text!r} is not a number with a decimal point such as 1234.56"
        raise ValueError(msg)
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None


def parse_date(text: str) -> datetime.date:
    """Parse a date written as 2024-10-27 or 27.10.2024.

    Raises:
        ValueError: Neither form, or no such day.
    """
    value = text.strip()
    german = _GERMAN_DATETIME.match(value)
    try:
        if german and german.group(4) is None:
            day, month, year = (int(part) for part in german.group(1, 2, 3))
            return datetime.date(year, month, day)
        return datetime.date.fromisoformat(value)
    except ValueError:
        msg = f"{text!r} is not a date such as 2024-10-27 or 27.10.2024"
        raise ValueError(msg) from None


class TimestampParser:
    """Parse timestamps with an offset, a zone name, or in one zone's local time, into UTC.

    A local time on the autumn DST day (02:00 to 02:59 in Berlin) occurs twice.
    Rows are taken to be in time order, so the first occurrence of such a time
    per key (e.g. per subscription) is read as CEST and the second as CET. A
    local time in the spring gap (02:00 to 02:59) does not exist and is rejected.
    """

    def __init__(self, *, naive_zone: datetime.tzinfo = BERLIN) -> None:
        self.naive_zone = naive_zone
        self._occurrences: dict[tuple[Hashable, datetime.datetime], int] = {}

    def parse(self, text: str, *, key: Hashable = None) -> datetime.datetime:
        """Parse one timestamp and return it as an aware UTC datetime.

        A range such as "27.10.2024 02:00 - 27.10.2024 03:00" gives its start.

        Raises:
            ValueError: The text is no timestamp, or a local time that does not exist
                or occurs more often than the zone allows.
        """
        value = text.strip().split(" - ")[0].strip()
        offset = None
        zone = _ZONE_SUFFIX.search(value)
        if zone and not value.endswith("Z"):
            offset = ZONE_OFFSETS[zone.group(1).upper()]
            value = value[: zone.start()].strip()
        moment = self._parse_datetime(value, original=text)
        if moment.tzinfo is not None:
            return moment.astimezone(datetime.UTC)
        if offset is not None:
            return (moment - offset).replace(tzinfo=datetime.UTC)
        if isinstance(self.naive_zone, datetime.timezone):
            # A fixed offset such as UTC has no DST, so every local time occurs exactly once.
            return moment.replace(tzinfo=self.naive_zone).astimezone(datetime.UTC)
        return self._localize(moment, key=key, original=text)

    @staticmethod
    def _parse_datetime(value: str, *, original: str) -> datetime.datetime:
        german = _GERMAN_DATETIME.match(value)
        try:
            if german and german.group(4) is not None:
                day, month, year, hour, minute = (int(part) for part in german.group(1, 2, 3, 4, 5))
                return datetime.datetime(year, month, day, hour, minute, int(german.group(6) or 0))
            if german is None and re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", value):
                return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        msg = f"{original!r} is not a timestamp such as 2024-10-27T02:00:00+02:00, 2024-10-27 02:00 or 27.10.2024 02:00"
        raise ValueError(msg)

    def _localize(self, naive: datetime.datetime, *, key: Hashable, original: str) -> datetime.datetime:
        first = naive.replace(tzinfo=self.naive_zone, fold=0)
        second = naive.replace(tzinfo=self.naive_zone, fold=1)
        if first.utcoffset() == second.utcoffset():
            return first.astimezone(datetime.UTC)
        if first.astimezone(datetime.UTC).astimezone(self.naive_zone).replace(tzinfo=None) != naive:
            msg = f"{original!r} does not exist in {self.naive_zone}: clocks jump over this hour in spring"
            raise ValueError(msg)
        seen = self._occurrences.get((key, naive), 0)
        self._occurrences[(key, naive)] = seen + 1
        if seen >= 2:
            msg = f"{original!r} occurs a third time; this local time occurs only twice, once per offset"
            raise ValueError(msg)
        return (first if seen == 0 else second).astimezone(datetime.UTC)
