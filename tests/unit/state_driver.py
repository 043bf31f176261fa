"""Drive Reflex page states in unit tests without a browser or websocket.

A state is built inside a fresh root state, given the page URL and the
websocket's headers the way Reflex's router fills them, and its event
handlers are called as plain functions. Generators are run to the end.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from reflex.istate.data import HeaderData, ReflexURL, RouterData
from sqlmodel import Session, select

from nomos_portal.models import Customer, Plan
from nomos_portal.services import sessions

StateT = TypeVar("StateT", bound=rx.State)


def make_state(state_class: type[StateT], *, url: str, cookie: str = "", backend_host: str = "") -> StateT:
    """Build a state for a page URL; the websocket host defaults to the page's host on the backend port."""
    root = state_class.get_root_state()(_reflex_internal_init=True)
    state = root.get_substate(state_class.get_full_name().split("."))
    page_host = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    state.router = RouterData(
        headers=HeaderData(host=backend_host or f"{page_host}:8000", cookie=cookie),
        url=ReflexURL(url),
    )
    return state


def call(state: rx.State, handler: Any, *args: Any) -> list[Any]:
    """Run an event handler on a state and collect what it returns or yields, without the bare `yield`s."""
    function: Callable[..., Any] = handler.fn
    result = function(state, *args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    if result is None:
        return []
    if hasattr(result, "__next__"):
        return [item for item in result if item is not None]
    return [result]


def use_language(state: rx.State, language: str) -> None:
    """Switch the UI language as the language menu does, which also updates the page states' copies."""
    asyncio.run(state._switch_language(language))


def redirect_path(events: list[Any]) -> str | None:
    """The path of the first `rx.redirect` among handler results, or None."""
    for event in events:
        for name, value in getattr(event, "args", ()):
            if str(name) == "path":
                return value._var_value
    return None


def session_cookie(session: Session, *, slug: str, email: str, now: datetime.datetime | None = None) -> str:
    """Sign a customer in on a plan and return the Cookie header a browser would then send."""
    plan = session.exec(select(Plan).where(Plan.slug == slug)).one()
    customer = session.exec(select(Customer).where(Customer.email == email)).one()
    moment = now or datetime.datetime.now(datetime.UTC)
    new = sessions.create_session(session, plan=plan, customer=customer, now=moment)
    token, _row = sessions.exchange_handoff(session, ticket=new.handoff_ticket, plan=plan, now=moment)
    return f"nomos_lang=de; {sessions.SESSION_COOKIE}={token}"


def page_url(slug: str, path: str) -> str:
    """The development URL of a page on a plan's host."""
    return f"http://{slug}.localhost:3000{path}"
