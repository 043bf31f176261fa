"""The help center: articles by category and a search over their titles and bodies.

Article texts live in the message catalogues under `help.article.<slug>.title`
and `help.article.<slug>.body`, so every article exists in every UI language.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from nomos_portal.i18n import translate

CATEGORIES = ("sign_in", "invoices", "prices", "consumption", "contract", "payment", "smart_meter")

# Slugs of the articles per category, in the order the help center lists them.
ARTICLES: dict[str, tuple[str, ...]] = {
    "sign_in": ("sign_in_code", "no_code", "several_contracts", "language"),
    "invoices": ("next_bill", "invoice_question"),
    "prices": ("price_composition", "tomorrow_prices", "best_times"),
    "consumption": ("meter_reading", "smart_meter_values", "export"),
    "contract": ("contract_details", "cancellation", "moving"),
    "payment": ("direct_debit", "bank_details"),
    "smart_meter": ("why_smart_meter", "smart_meter_order", "enwg_14a"),
}

MAX_QUERY_LENGTH = 200
# Words shorter than this match too much to narrow a search.
MIN_WORD_LENGTH = 2
# A word in the title counts this much more than a word in the body, so title matches rank first.
TITLE_WEIGHT = 100

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclasses.dataclass(frozen=True)
class Article:
    """A help article in one language."""

    slug: str
    category: str
    title: str
    body: str


def fold(text: str) -> str:
    """Lower-case text and spell umlauts as in ASCII, so "Zählerstand" and "Zaehlerstand" compare equal.

    Other accents are dropped ("é" becomes "e").
    """
    lowered = text.casefold().translate(_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def article(slug: str, language: str) -> Article:
    """Load one article in a language.

    Raises:
        KeyError: No article has this slug.
    """
    for category, slugs in ARTICLES.items():
        if slug in slugs:
            return Article(
                slug=slug,
                category=category,
                title=translate(f"help.article.{slug}.title", language),
                body=translate(f"help.article.{slug}.body", language),
            )
    raise KeyError(slug)


def articles(language: str, category: str | None = None) -> list[Article]:
    """Return every article in a language, or those of one category, in listing order."""
    return [
        article(slug, language)
        for name, slugs in ARTICLES.items()
        if category is None or name == category
        for slug in slugs
    ]


def query_words(query: str) -> list[str]:
    """Split a search query into folded words, ignoring very short ones and anything past the length limit."""
    words = re.findall(r"\w+", fold(query[:MAX_QUERY_LENGTH]))
    return [word for word in words if len(word) >= MIN_WORD_LENGTH]


def search(query: str, language: str) -> list[Article]:
    """Find the articles that contain every word of a query, best match first.

    A word matches where it starts a word of the title or body ("zaehler" finds
    "Zählerstand"). Articles score per word found in the title above any number
    of words found only in the body; equal scores keep the listing order.
    """
    words = query_words(query)
    if not words:
        return []
    scored = []
    for position, item in enumerate(articles(language)):
        title = fold(item.title)
        body = fold(item.body)
        score = 0
        for word in words:
            pattern = re.compile(r"\b" + re.escape(word))
            if pattern.search(title):
                score += TITLE_WEIGHT
            elif pattern.search(body):
                score += 1
            else:
                break
        else:
            scored.append((-score, position, item))
    return [item for _score, _position, item in sorted(scored)]
