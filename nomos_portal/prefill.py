"""Write a signed-in page's first state into its HTML, so the page shows its data before the websocket connects.

Without this, a page shows a spinner until its scripts have loaded, the
websocket has connected and the page-load handler has sent the data over it. For
the pages listed in `PREFILLED_PAGES`, the production server runs the same
handler before it sends the HTML, on a state tree of its own that no tab uses.
It writes what the handler changed into a `<script type="application/json">`
element. `StatePrefill` in the page hands those values to the frontend's
state store right after hydration. The websocket then hydrates and loads as
usual. A new tab's backend state starts at its defaults, so the hydrate sends
nothing that would undo the prefill. A reloaded tab gets the values of its
last load. The page-load handler then sends the current values again.

Only handlers without lasting effects are listed (the overview's load adds
demo meter data in demo mode, as any visit would). Each one must return no
events for a page it may show; a redirect (signed out, no subscription)
means no prefill, and the websocket does the redirect as before.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

import reflex as rx
from reflex.istate.data import HeaderData, ReflexURL, RouterData
from reflex_base.event import EventHandler
from reflex_base.utils import format

from nomos_portal import i18n
from nomos_portal.services import sessions
from nomos_portal.states.overview import OverviewState
from nomos_portal.states.portal import PortalState

ELEMENT_ID = "nomos-state"

# The pages whose HTML carries their first state, with the page-load handler that builds it.
PREFILLED_PAGES: dict[str, EventHandler] = {"/overview": OverviewState.load}


def handler_for(path: str) -> EventHandler | None:
    """Return the page-load handler whose state the HTML of a path carries, or None."""
    return PREFILLED_PAGES.get(path.rstrip("/") or "/")


def page_state(path: str, *, url: str, host: str, cookie_header: str) -> dict[str, dict[str, object]] | None:
    """Run a page's load handler for an HTML request and return the values it sets, by state name.

    Args:
        path: The request path.
        url: The page's full URL, whose host names the tenant.
        host: The request's Host header.
        cookie_header: The request's Cookie header, with the session cookie.

    Returns:
        The changed vars of the portal's states, as the websocket would send
        them; None when the page has no prefill, the request carries no valid
        session or the handler returns events such as a redirect.
    """
    handler = handler_for(path)
    if handler is None or not sessions.read_cookie(cookie_header):
        return None
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(handler.state_full_name.split("."))
    state.router = RouterData(headers=HeaderData(host=host, cookie=cookie_header), url=ReflexURL(url))
    portal = root.get_substate(PortalState.get_full_name().split("."))
    portal._set_changed(lang=i18n.normalize_language(sessions.read_cookie(cookie_header, i18n.LANGUAGE_COOKIE)))
    handler_fn: Callable[..., object] = handler.fn
    if handler_fn(state) is not None:
        return None
    delta = root.get_delta()
    # The websocket sends the router vars and the hydrated flag, so only the portal's own states go in.
    portal_prefix = PortalState.get_full_name()
    return {name: values for name, values in delta.items() if name.startswith(portal_prefix)}


def state_element(values: dict[str, dict[str, object]]) -> bytes:
    """Serialize the values into the JSON `<script>` element that `StatePrefill` reads.

    Every `<` is escaped, so no value can end the element.
    """
    text = format.json_dumps(values).replace("<", "\\u003c")
    return f'<script type="application/json" id="{ELEMENT_ID}">{text}</script>'.encode()


def page_url(scope_scheme: str, host: str, path: str, query: bytes) -> str:
    """Rebuild the page URL of an HTML request from its scheme, Host header, path and query."""
    query_text = query.decode("latin-1")
    return urllib.parse.urlunsplit((scope_scheme or "http", host, path, query_text, ""))
