"""HTTP routes beside the websocket: the session cookie and the tenant stylesheet.

A cookie that page scripts cannot read must come from an HTTP response, so
sign-in ends with a full page load of `/auth/complete`, which swaps a
single-use ticket for the session cookie.
"""

from __future__ import annotations

import logging
import urllib.parse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from nomos_portal.db import open_session
from nomos_portal.models import utc_now
from nomos_portal.services import branding, sessions, tenancy
from nomos_portal.settings import get_settings
from nomos_portal.states.auth import LOGIN_ROUTE, safe_next_path

logger = logging.getLogger(__name__)


def _frontend_url(request: Request, path: str) -> str:
    """Where to send the browser next: this host name, on the page's port when given.

    The host name always comes from this request, so the route cannot send
    anyone to another site; only the port may differ (Vite's 3000 in development).
    """
    port = request.query_params.get("port", "")
    if not port.isdigit() or not 0 < int(port) < 65536 or int(port) == request.url.port:
        return path
    host = request.url.hostname or ""
    return f"{request.url.scheme}://{host}:{int(port)}{path}"


def _resolve(request: Request):
    with open_session() as session:
        return tenancy.resolve_plan(
            session, host=request.headers.get("host", ""), base_domain=get_settings().base_domain
        )


async def complete_sign_in(request: Request) -> Response:
    """Exchange a sign-in ticket for the HttpOnly session cookie, then go to the requested page."""
    found = _resolve(request)
    ticket = request.query_params.get("ticket", "")
    next_path = safe_next_path(request.query_params.get("next"))
    if found is None:
        return PlainTextResponse("Portal not found.", status_code=404)
    plan, _org = found
    try:
        with open_session() as session:
            token, row = sessions.exchange_handoff(session, ticket=ticket, plan=plan, now=utc_now())
    except sessions.HandoffError as error:
        logger.info("Sign-in ticket rejected on plan %s: %s", plan.slug, error)
        return RedirectResponse(_frontend_url(request, f"{LOGIN_ROUTE}?error=handoff"), status_code=303)

    if row.subscription_id is None:
        next_path = f"/subscriptions?next={urllib.parse.quote(next_path, safe='/')}"
    response = RedirectResponse(_frontend_url(request, next_path), status_code=303)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        token,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().is_production,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_out(request: Request) -> Response:
    """Revoke the session of this browser, delete its cookie and show the sign-in page."""
    token = request.cookies.get(sessions.SESSION_COOKIE)
    with open_session() as session:
        sessions.revoke_session(session, token=token, now=utc_now())
    response = RedirectResponse(_frontend_url(request, LOGIN_ROUTE), status_code=303)
    response.delete_cookie(
        sessions.SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().is_production
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def tenant_stylesheet(request: Request) -> Response:
    """The brand of this host as CSS, linked from every page's head so it paints before hydration."""
    found = _resolve(request)
    if found is None:
        return Response("/* no tenant at this address */\n", media_type="text/css")
    plan, _org = found
    brand = branding.Brand(
        primary=plan.color_primary,
        accent=plan.color_accent,
        surface=plan.color_surface,
        font_family=plan.font_family,
    )
    css = branding.stylesheet(brand)
    if plan.font_stylesheet_url:
        css = f"@import url({_css_string(plan.font_stylesheet_url)});\n" + css
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "") + '"'


def create_api() -> Starlette:
    """The Starlette app that Reflex mounts its own backend under."""
    return Starlette(
        routes=[
            Route("/auth/complete", complete_sign_in, methods=["GET"]),
            Route("/auth/sign-out", sign_out, methods=["GET"]),
            Route("/tenant.css", tenant_stylesheet, methods=["GET"]),
        ]
    )
