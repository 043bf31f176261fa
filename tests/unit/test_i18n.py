import datetime
import re
from decimal import Decimal

from nomos_portal import i18n


def test_catalogues_have_same_keys():
    assert set(i18n.CATALOGS["de"]) == set(i18n.CATALOGS["en"])


def test_catalogues_use_same_placeholders():
    for key, german in i18n.CATALOGS["de"].items():
        english = i18n.CATALOGS["en"][key]
        assert set(re.findall(r"{(\w+)}", german)) == set(re.findall(r"{(\w+)}", english)), key


def test_translate_fills_placeholders():
    assert i18n.translate("app.title", "de", org="Acme") == "Acme Kundenportal"
    assert i18n.translate("app.title", "en", org="Acme") == "Acme customer portal"


def test_unknown_language_falls_back_to_german():
    assert i18n.normalize_language("fr") == "de"
    assert i18n.normalize_language(None) == "de"
    assert i18n.normalize_language("EN-gb") == "en"


def test_money_and_numbers_follow_locale():
    assert i18n.format_eur(Decimal("1234.56"), "de") == "1.234,56\xa0€"
    assert i18n.format_eur(Decimal("1234.56"), "en") == "€1,234.56"
    assert i18n.format_number(Decimal("31.4216"), "de", digits=2) == "31,42"
    assert i18n.format_number(3500, "en") == "3,500"


def test_dates_shown_in_berlin():
    # 23:30 UTC on 28 Feb is already 1 March in Berlin.
    moment = datetime.datetime(2025, 2, 28, 23, 30, tzinfo=datetime.UTC)
    assert i18n.format_day(moment, "de") == "01.03.2025"
    assert i18n.format_moment(datetime.datetime(2025, 7, 1, 12, 0, tzinfo=datetime.UTC), "de") == "01.07.25, 14:00"


def test_cached_number_texts_keep_language_digits_and_type_apart():
    value = Decimal("1234.5")
    assert i18n.format_number(value, "de", digits=2) == "1.234,50"
    assert i18n.format_number(value, "en", digits=2) == "1,234.50"
    assert i18n.format_number(value, "de") == "1.234"
    assert i18n.format_number(Decimal("2.50"), "de", digits=2) == "2,50"
    assert i18n.format_number(2.5, "de", digits=1) == "2,5"
    assert i18n.format_eur(Decimal("1234.56"), "de") == "1.234,56\xa0€"
    assert i18n.format_eur(Decimal("1234.56"), "en") == "€1,234.56"
