"""Translations and locale formatting: German by default, English selectable."""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from nomos_portal.i18n import de, en

DEFAULT_LANGUAGE = "de"
# The cookie that keeps the chosen language; the server reads it to write pages in that language.
LANGUAGE_COOKIE = "nomos_lang"
LANGUAGES = ("de", "en")
BABEL_LOCALES = {"de": "de_DE", "en": "en_GB"}
BERLIN = ZoneInfo("Europe/Berlin")

CATALOGS: dict[str, dict[str, str]] = {"de": de.MESSAGES, "en": en.MESSAGES}


def normalize_language(language: object) -> str:
    """Map any value to a supported language code, German when unknown (or not a string at all)."""
    code = language.strip().lower()[:2] if isinstance(language, str) else ""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def catalog(language: str | None) -> dict[str, str]:
    """All messages of a language."""
    return CATALOGS[normalize_language(language)]


def translate(key: str, language: str | None, **params: object) -> str:
    """Look up a message and fill in its {placeholders}.

    Raises:
        KeyError: The key is in neither catalogue; a missing message is a bug.
    """
    text = catalog(language)[key]
    return text.format(**params) if params else text


# Every customer's dashboard and charts show the same prices. Because babel parses its pattern
# on every call, each worker keeps the texts of the numbers it formatted most recently.
FORMAT_CACHE_ENTRIES = 8192


def format_eur(amount: Decimal, language: str | None) -> str:
    """Format an amount of euros, e.g. "1.234,56 €" in German."""
    return _format_eur(type(amount), amount, normalize_language(language))


@functools.lru_cache(maxsize=FORMAT_CACHE_ENTRIES)
def _format_eur(kind: type, amount: Decimal, language: str) -> str:
    # `kind` keeps equal values of different types (2 and Decimal("2.00")) apart.
    return format_currency(amount, "EUR", locale=BABEL_LOCALES[language])


def format_number(value: Decimal | float | int, language: str | None, digits: int = 0) -> str:
    """Format a number with a fixed count of decimals and grouping, e.g. "3.500"."""
    return _format_number(type(value), value, normalize_language(language), digits)


@functools.lru_cache(maxsize=FORMAT_CACHE_ENTRIES)
def _format_number(kind: type, value: Decimal | float | int, language: str, digits: int) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=BABEL_LOCALES[language])


def format_day(moment: datetime.datetime | datetime.date, language: str | None) -> str:
    """Format a date as shown in Berlin, e.g. "01.03.2025" in German."""
    if isinstance(moment, datetime.datetime):
        moment = moment.astimezone(BERLIN).date()
    return format_date(moment, format="medium", locale=BABEL_LOCALES[normalize_language(language)])


def format_moment(moment: datetime.datetime, language: str | None) -> str:
    """Format a point in time in Europe/Berlin, e.g. "01.03.2025, 14:05"."""
    return format_datetime(moment, format="short", tzinfo=BERLIN, locale=BABEL_LOCALES[normalize_language(language)])


def format_ct_per_kwh(value: Decimal, language: str | None) -> str:
    """Format a price in ct/kWh with two decimals, e.g. "31,42 ct/kWh" in German."""
    return f"{format_number(value, language, digits=2)}\xa0ct/kWh"


GERMAN_ZONE_NAMES = {"CEST": "MESZ", "CET": "MEZ"}


def format_clock(moment: datetime.datetime, language: str | None = None, *, ambiguous: bool = False) -> str:
    """Berlin wall-clock time "HH:MM"; with ambiguous=True the zone is added, e.g. "02:15 MESZ".

    The zone distinguishes the two 02:00-03:00 hours of the last Sunday in October.
    """
    local = moment.astimezone(BERLIN)
    text = local.strftime("%H:%M")
    if not ambiguous:
        return text
    zone = local.strftime("%Z")
    if normalize_language(language) == "de":
        zone = GERMAN_ZONE_NAMES.get(zone, zone)
    return f"{text} {zone}"


def format_weekday(day: datetime.date, language: str | None) -> str:
    """Short weekday and date, e.g. "Sa., 05.12." in German."""
    locale = BABEL_LOCALES[normalize_language(language)]
    return format_date(
        day, format="EEE, dd.MM." if normalize_language(language) == "de" else "EEE d MMM", locale=locale
    )


def berlin_day(moment: datetime.datetime) -> datetime.date:
    """The Berlin calendar day of a moment."""
    return moment.astimezone(BERLIN).date()


def format_kwh(value: Decimal, language: str | None, digits: int = 1) -> str:
    """Format energy, e.g. "1.234,5 kWh" in German."""
    return f"{format_number(value, language, digits=digits)}\xa0kWh"


def format_month(day: datetime.date, language: str | None) -> str:
    """Month and year, e.g. "Dezember 2026"."""
    return format_date(day, format="LLLL yyyy", locale=BABEL_LOCALES[normalize_language(language)])


def format_month_short(day: datetime.date, language: str | None) -> str:
    """Abbreviated month name, e.g. "Jan."."""
    return format_date(day, format="LLL", locale=BABEL_LOCALES[normalize_language(language)])
