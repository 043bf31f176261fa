"""`/help`: help articles by category, a search box and the support channel."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.support_channel import support_channel_card
from nomos_portal.components.text import tr
from nomos_portal.services.help_center import ARTICLES
from nomos_portal.states.help import HelpState


def search_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                name="q",
                id="help-search",
                type="search",
                default_value=HelpState.query,
                placeholder=tr("help.search_placeholder"),
                aria_label=tr("help.search_label"),
                max_length=200,
                size="3",
                flex="1",
            ),
            rx.button(tr("help.search_button"), type="submit", size="3", id="help-search-button"),
            width="100%",
        ),
        on_submit=HelpState.search,
        reset_on_submit=False,
        role="search",
        width="100%",
    )


def result_card(result: dict) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(result["category"], size="1", color_scheme="gray"),
            rx.heading(result["title"], size="4", as_="h3"),
            rx.markdown(result["body"]),
            spacing="1",
        ),
        width="100%",
        class_name="help-result",
    )


def search_results() -> rx.Component:
    return rx.vstack(
        rx.text(HelpState.results_text, weight="bold", id="help-results-text"),
        rx.foreach(HelpState.results, result_card),
        rx.button(tr("help.clear_search"), variant="ghost", on_click=HelpState.clear_search, id="help-clear"),
        spacing="3",
        width="100%",
        id="help-results",
    )


def category_section(category: str, slugs: tuple[str, ...]) -> rx.Component:
    """Render one category's articles as an accordion, with the texts taken straight from the catalogues."""
    return rx.vstack(
        rx.heading(tr(f"help.category.{category}"), size="5", as_="h2"),
        rx.accordion.root(
            *[
                rx.accordion.item(
                    header=tr(f"help.article.{slug}.title"),
                    content=rx.markdown(tr(f"help.article.{slug}.body")),
                    value=slug,
                    id=f"article-{slug}",
                )
                for slug in slugs
            ],
            type="multiple",
            variant="ghost",
            width="100%",
        ),
        spacing="2",
        width="100%",
        id=f"category-{category}",
    )


def all_articles() -> rx.Component:
    return rx.vstack(
        *[category_section(category, slugs) for category, slugs in ARTICLES.items()],
        spacing="5",
        width="100%",
    )


def help_page() -> rx.Component:
    """Search box and results, or every article by category; the support channel beside them."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(tr("help.heading"), size="7", as_="h1"),
                rx.text(tr("help.intro"), color_scheme="gray"),
                search_form(),
                rx.grid(
                    rx.cond(HelpState.query != "", search_results(), all_articles()),
                    rx.box(support_channel_card()),
                    columns=rx.breakpoints(initial="1", md="2fr 1fr"),
                    spacing="5",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            )
        )
    )
