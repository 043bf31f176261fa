import re

import pytest

from nomos_portal.services import help_center


def slugs(query: str, language: str = "de") -> list[str]:
    return [found.slug for found in help_center.search(query, language)]


def test_fold_spells_umlauts_in_ascii():
    assert help_center.fold("Zählerstand") == "zaehlerstand"
    assert help_center.fold("Zaehlerstand") == "zaehlerstand"
    assert help_center.fold("STRASSE") == help_center.fold("Straße")
    assert help_center.fold("Café") == "cafe"


@pytest.mark.parametrize("query", ["Zählerstand", "Zaehlerstand", "zählerstand", "ZAEHLERSTAND"])
def test_umlaut_spellings_find_same_articles(query: str):
    assert slugs(query) == slugs("Zählerstand")
    assert "meter_reading" in slugs(query)


def test_title_match_ranks_first():
    found = help_center.search("Zählerstand", "de")
    assert found[0].slug == "meter_reading"
    # Articles that mention the word only in the body follow.
    assert len(found) > 1
    for later in found[1:]:
        assert "zaehlerstand" not in help_center.fold(later.title)


def test_title_matches_above_body_matches():
    found = help_center.search("Smart Meter", "de")
    # "Smart-Meter-Werte" in a title counts, as the search matches words.
    in_title = [re.search(r"\bsmart\W+meter", help_center.fold(item.title)) is not None for item in found]
    assert in_title == sorted(in_title, reverse=True)
    assert any(in_title)
    assert not all(in_title)


def test_english_search():
    assert slugs("meter reading", "en")[0] == "meter_reading"
    # Three query words in the title beat two words in the title and one in the body.
    assert slugs("sign-in code", "en")[:2] == ["no_code", "sign_in_code"]


def test_word_prefix_matches():
    assert "meter_reading" in slugs("zaehler")


def test_every_word_required():
    assert slugs("Zählerstand Quantencomputer") == []


@pytest.mark.parametrize("query", ["Quantencomputer", "", "   ", "a", "?!"])
def test_no_results(query: str):
    assert help_center.search(query, "de") == []


def test_long_query_is_cut():
    words = help_center.query_words("Preis " * 1000)
    assert len(" ".join(words)) <= help_center.MAX_QUERY_LENGTH
    assert words[0] == "preis"


def test_tomorrow_prices_found_in_both_languages():
    assert "tomorrow_prices" in slugs("morgen")
    assert "tomorrow_prices" in slugs("tomorrow", "en")


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_article_has_title_and_body(language: str):
    articles = help_center.articles(language)
    assert len(articles) == sum(len(slugs) for slugs in help_center.ARTICLES.values())
    for item in articles:
        assert item.title.strip(), item.slug
        assert len(item.body) > 80, item.slug


def test_categories_listed_in_order():
    assert tuple(help_center.ARTICLES) == help_center.CATEGORIES
    assert [item.category for item in help_center.articles("de", "smart_meter")] == ["smart_meter"] * 3


def test_unknown_article_raises():
    with pytest.raises(KeyError):
        help_center.article("missing", "de")
