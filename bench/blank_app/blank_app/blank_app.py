"""Build the blank app: one static page with a line of text and no state of its own."""

import reflex as rx

BLANK_TEXT = "Blank Reflex page"


def index() -> rx.Component:
    """Render the text that the benchmark waits for."""
    return rx.text(BLANK_TEXT, id="blank-text")


app = rx.App()
app.add_page(index, route="/")
