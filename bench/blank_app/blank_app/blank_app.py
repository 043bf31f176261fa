"""Build the blank app: the two smallest Reflex pages, one static and one showing a value from the backend."""

import reflex as rx

BLANK_TEXT = "Blank Reflex page"


class BlankState(rx.State):
    """The one value that `/data` shows, set by its page-load handler like the portal's pages."""

    text: str = ""

    @rx.event
    def load(self):
        """Set the text the benchmark waits for."""
        self.text = BLANK_TEXT


def index() -> rx.Component:
    """Render the text that the benchmark waits for, as static markup."""
    return rx.text(BLANK_TEXT, id="blank-text")


def data() -> rx.Component:
    """Render the text only once the backend sent it over the websocket."""
    return rx.text(BlankState.text, id="blank-text")


app = rx.App()
app.add_page(index, route="/")
app.add_page(data, route="/data", on_load=BlankState.load)
