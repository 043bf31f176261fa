"""The overview's first state in its HTML: only for the signed-in customer of that plan, and never as markup."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import Session

from nomos_portal import (
    head,
    nomos_portal,  # noqa: F401  (registers every page state)
    prefill,
)
from nomos_portal.states.auth import AuthState
from nomos_portal.states.overview import OverviewState
from nomos_portal.states.portal import PortalState
from tests.unit.state_driver import page_url, session_cookie

JONAS = "jonas.becker@example.com"
PAGE = b"<html><head><title></title></head><body><div>spinner</div><script>run()</script></body></html>"


def overview_state(cookie: str, *, slug: str = "acme-power", path: str = "/overview") -> dict | None:
    host = f"{slug}.localhost:3000"
    return prefill.page_state(path, url=page_url(slug, path), host=host, cookie_header=cookie)


def test_signed_in_overview_carries_its_data(session: Session):
    values = overview_state(session_cookie(session, slug="acme-power", email=JONAS))
    assert values is not None
    # Only the portal's states. The websocket alone sends the router vars and the hydrated flag.
    assert set(values) == {PortalState.get_full_name(), AuthState.get_full_name(), OverviewState.get_full_name()}
    overview = values[OverviewState.get_full_name()]
    assert overview["greeting_rx_state_"] == "Willkommen, Jonas Becker"
    assert overview["status_label_rx_state_"] == "Aktiv"
    assert len(overview["price_chart_rx_state_"].bars) == 96
    assert values[PortalState.get_full_name()]["tenant_status_rx_state_"] == "found"
    # Backend-only vars such as the customer's id never leave the server.
    assert not any(name.startswith("_") for state in values.values() for name in state)


def test_english_cookie_prefills_english(session: Session):
    cookie = session_cookie(session, slug="acme-power", email=JONAS).replace("nomos_lang=de", "nomos_lang=en")
    values = overview_state(cookie)
    assert values is not None
    assert values[OverviewState.get_full_name()]["greeting_rx_state_"] == "Welcome, Jonas Becker"
    assert values[PortalState.get_full_name()]["t_rx_state_"]["nav.overview"] == "Overview"


@pytest.mark.parametrize("cookie", ["", "nomos_lang=de", "nomos_session=not-a-token", "nomos_session=; nomos_lang=en"])
def test_signed_out_visitor_gets_no_state(session: Session, cookie: str):
    assert overview_state(cookie) is None


def test_foreign_plan_session_gets_nothing(session: Session):
    cookie = session_cookie(session, slug="acme-power", email=JONAS)
    assert overview_state(cookie, slug="lumio") is None


def test_other_pages_get_no_state(session: Session):
    cookie = session_cookie(session, slug="acme-power", email=JONAS)
    assert overview_state(cookie, path="/consumption") is None
    assert overview_state(cookie, path="/overview/") is not None


def test_state_element_cannot_end_early():
    values = {"state": {"name_rx_state_": "</script><script>alert(1)</script> & <!--"}}
    element = prefill.state_element(values).decode()
    assert element.count("<") == 2
    assert element.startswith('<script type="application/json" id="nomos-state">')
    text = element.removeprefix('<script type="application/json" id="nomos-state">').removesuffix("</script>")
    assert json.loads(text) == values


def serve(path: str, cookie: str) -> tuple[int, dict[bytes, bytes], bytes, list[str]]:
    """Send one GET through the middleware to a frontend that redirects pages to their trailing slash.

    Returns:
        The status, headers and body the browser gets, and the paths requested from the frontend.
    """
    requested_paths: list[str] = []

    async def frontend(scope, receive, send):
        requested_paths.append(scope["path"])
        if not scope["path"].endswith("/"):
            location = f"http://acme-power.localhost{scope['path']}/".encode()
            await send({"type": "http.response.start", "status": 307, "headers": [(b"location", location)]})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(PAGE)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE})

    async def receive():
        return {"type": "http.request", "body": b""}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "headers": [(b"host", b"acme-power.localhost"), (b"cookie", cookie.encode())],
    }
    asyncio.run(head.TenantHeadMiddleware(frontend)(scope, receive, send))
    start = sent[0]
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], dict(start["headers"]), body, requested_paths


def test_overview_html_carries_state(session: Session):
    status, headers, body, requested_paths = serve("/overview", session_cookie(session, slug="acme-power", email=JONAS))
    assert status == 200
    # The page comes at once, without the detour over `/overview/`.
    assert requested_paths == ["/overview", "/overview/"]
    assert headers[b"cache-control"] == b"no-store"
    assert int(headers[b"content-length"]) == len(body)
    assert b'<script type="application/json" id="nomos-state">' in body
    assert b"Willkommen, Jonas Becker" in body
    assert body.index(b'id="nomos-state"') < body.index(b"</body>")
    assert b"<title>Acme Kundenportal</title>" in body


def test_signed_out_html_has_no_state(session: Session):
    status, headers, body, _requested_paths = serve("/overview", "nomos_lang=de")
    assert status == 200
    assert headers[b"cache-control"] == b"no-cache"
    assert b"nomos-state" not in body
    assert b"<title>Acme Kundenportal</title>" in body


def test_other_redirects_pass_through(session: Session):
    async def frontend(scope, receive, send):
        await send({"type": "http.response.start", "status": 307, "headers": [(b"location", b"/login")]})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/overview", "headers": [(b"host", b"acme-power.localhost")]}
    asyncio.run(head.TenantHeadMiddleware(frontend)(scope, receive, send))
    assert sent[0]["status"] == 307
    assert dict(sent[0]["headers"])[b"location"] == b"/login"
