"""Put the tenant's title, favicon, colours, font and language into prerendered HTML before it leaves the server.

The production build prerenders every page once for all tenants, so its
`<title>` is empty until the browser has hydrated and loaded the state. This
ASGI middleware rewrites HTML responses per Host, so the first paint already
shows the right brand. It only matters where the backend serves the built
frontend (`reflex run --env prod`); in development Vite serves the HTML.

The colours go into the page as an inline `<style>`, and so does a font
stylesheet under `assets/`, with its font files preloaded (see
services.fonts). The browser holds back the page's scripts until the
stylesheets in `<head>` have loaded, so a separate brand stylesheet that
imported the font stylesheet cost two requests, one after the other, before
any script ran.
"""

from __future__ import annotations

import html
import logging
import re
import urllib.parse
from pathlib import PurePosixPath

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nomos_portal import i18n, prefill
from nomos_portal.db import open_session
from nomos_portal.models import Plan
from nomos_portal.services import branding, fonts, sessions, tenancy
from nomos_portal.settings import get_settings

logger = logging.getLogger(__name__)

_TITLE = re.compile(rb"<title>.*?</title>", re.DOTALL)
_HTML_TAG = re.compile(rb"<html([^>]*)>")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def brand_style(plan: Plan) -> str:
    """Build the `<style>` element with a plan's colours and font as CSS variables.

    The plan's values are checked when they are stored. `<` is escaped anyway,
    so no value can end the element.
    """
    brand = branding.Brand.of_plan(plan)
    css = branding.stylesheet(brand).replace("<", "\\3c ")
    return f"<style>{css}</style>"


def brand_head(host: str, cookie_header: str) -> tuple[bytes, str]:
    """Build the `<title>`, favicon, brand style and font tags for a host, and pick the page language.

    Returns:
        The tags and the language code; for a host that names no tenant, a
        neutral "portal not found" title.
    """
    with open_session() as session:
        found = tenancy.resolve_plan_cached(session, host=host, base_domain=get_settings().base_domain)
    language = i18n.normalize_language(sessions.read_cookie(cookie_header, i18n.LANGUAGE_COOKIE))
    if found is None:
        title = i18n.translate("tenant_missing.title", language)
        return f"<title>{html.escape(title)}</title>".encode(), language
    plan, org = found
    title = i18n.translate("app.title", language, org=org.name)
    tags = f'<title>{html.escape(title)}</title><link rel="icon" href="{html.escape(org.logo, quote=True)}"/>'
    tags += brand_style(plan)
    tags += fonts.font_tags(plan.font_stylesheet_url)
    return tags.encode(), language


def rewrite_html(body: bytes, tags: bytes, language: str) -> bytes:
    """Replace the first `<title>` of a page with the tenant's tags and set `<html lang>`."""
    body = _TITLE.sub(lambda _match: tags, body, count=1)
    return _HTML_TAG.sub(
        lambda match: b"<html" + re.sub(rb'\s+lang="[^"]*"', b"", match.group(1)) + f' lang="{language}">'.encode(),
        body,
        count=1,
    )


def is_static_file(path: str) -> bool:
    """Return whether a request path names a file other than a page, e.g. `/assets/app-1a2b.js` or `/fonts/lora.css`.

    Such responses pass through untouched, so scripts keep their precompressed
    gzip or brotli form and the server's zero-copy file sending.
    """
    return PurePosixPath(path).suffix.lower() not in ("", ".html")


class TenantHeadMiddleware:
    """ASGI middleware that brands every HTML response by the request's Host."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through, buffering and rewriting only HTML responses to GET requests."""
        if scope["type"] != "http" or scope.get("method") != "GET" or is_static_file(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        # Ask for an uncompressed body so the HTML can be edited; proxies compress again.
        headers = [(key, value) for key, value in scope.get("headers", []) if key != b"accept-encoding"]
        # Without the file-sending extensions, static files arrive as ordinary body messages.
        extensions = {
            name: value
            for name, value in (scope.get("extensions") or {}).items()
            if name not in ("http.response.pathsend", "http.response.zerocopysend")
        }
        scope = {**scope, "headers": headers, "extensions": extensions}
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    start = message
                else:
                    await send(message)
                return
            if start is None:
                await send(message)
                return

            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            with_state = start.get("status") == 200 and _may_prefill(scope)
            # One trip off the event loop for both database lookups. The state is loaded before
            # any byte goes out: loading it while the browser fetches the page's scripts slowed
            # those down by more than the load takes, as both then compete for the interpreter.
            body = await anyio.to_thread.run_sync(_rewrite_body, scope, b"".join(chunks), with_state)
            await send({**start, "headers": _rewritten_headers(start, len(body), personal=with_state)})
            await send({"type": "http.response.body", "body": body})

        path = scope.get("path", "")
        if path.endswith("/"):
            await self.app(scope, receive, capture)
            return
        # The frontend redirects `/overview` to `/overview/`. Serving the page at once saves the
        # browser that round trip, and the address bar keeps the address as typed.
        redirected = False

        async def follow_slash_redirect(message: Message) -> None:
            nonlocal redirected
            if message["type"] == "http.response.start" and _is_slash_redirect(message, path):
                redirected = True
            if not redirected:
                await capture(message)

        await self.app(scope, receive, follow_slash_redirect)
        if redirected:
            slashed = path + "/"
            await self.app({**scope, "path": slashed, "raw_path": slashed.encode()}, receive, capture)


def _is_slash_redirect(start: Message, path: str) -> bool:
    if start.get("status") not in (301, 302, 307, 308):
        return False
    location = dict(start.get("headers", [])).get(b"location", b"").decode("latin-1")
    return urllib.parse.urlsplit(location).path == path + "/"


def _rewrite_body(scope: Scope, body: bytes, with_state: bool) -> bytes:
    """Brand an HTML page for its host and, with `with_state`, add the page's state before `</body>`."""
    host = _header(scope, b"host")
    cookie_header = _header(scope, b"cookie")
    try:
        body = rewrite_html(body, *brand_head(host, cookie_header))
    except Exception:
        # A database failure must not take the page down; the page brands itself after hydration.
        logger.exception("Could not brand HTML for host %r", host)
        return body
    end = body.rfind(b"</body>")
    if not with_state or end < 0:
        return body
    path = scope.get("path", "")
    url = prefill.page_url(scope.get("scheme", "http"), host, path, scope.get("query_string", b""))
    try:
        values = prefill.page_state(path, url=url, host=host, cookie_header=cookie_header)
    except Exception:
        # The page still works without it: the websocket brings the same state a moment later.
        logger.exception("Could not prefill the state of %s for host %r", path, host)
        return body
    if not values:
        return body
    return body[:end] + prefill.state_element(values) + body[end:]


def _may_prefill(scope: Scope) -> bool:
    path = scope.get("path", "")
    return prefill.handler_for(path) is not None and bool(sessions.read_cookie(_header(scope, b"cookie")))


def _rewritten_headers(start: Message, length: int, *, personal: bool) -> list[tuple[bytes, bytes]]:
    """Copy a response's headers for a rewritten body of `length` bytes."""
    dropped = (b"content-length", b"etag", b"cache-control")
    headers = [(key, value) for key, value in start.get("headers", []) if key not in dropped]
    headers.append((b"content-length", str(length).encode()))
    # The body depends on Host and cookies, so caches must revalidate it. A page that may carry
    # a customer's state must not be stored at all.
    headers.append((b"cache-control", b"no-store" if personal else b"no-cache"))
    return headers
