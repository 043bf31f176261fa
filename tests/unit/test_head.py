"""The HTML branding middleware leaves static files alone and rewrites pages."""

from __future__ import annotations

import asyncio

import pytest

from nomos_portal import head


@pytest.mark.parametrize(
    ("path", "static"),
    [
        ("/assets/root-CkT3Lq.js", True),
        ("/fonts/lora.css", True),
        ("/fonts/archivo.woff2", True),
        ("/brands/acme-power.SVG", True),
        ("/overview", False),
        ("/overview/", False),
        ("/invoices/12", False),
        ("/404.html", False),
        ("/", False),
    ],
)
def test_is_static_file(path: str, static: bool):
    assert head.is_static_file(path) is static


def run_middleware(path: str) -> dict:
    """Send one GET through the middleware and return the scope that reached the app."""
    seen: dict = {}

    async def app(scope, receive, send):
        seen.update(scope)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/javascript")]})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        return None

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": [(b"host", b"acme-power.localhost"), (b"accept-encoding", b"gzip, br")],
        "extensions": {"http.response.pathsend": {}},
    }
    asyncio.run(head.TenantHeadMiddleware(app)(scope, receive, send))
    return seen


def test_script_keeps_compression():
    scope = run_middleware("/assets/root-CkT3Lq.js")
    assert (b"accept-encoding", b"gzip, br") in scope["headers"]
    assert "http.response.pathsend" in scope["extensions"]


def test_page_asks_for_plain_body():
    scope = run_middleware("/overview/")
    assert all(key != b"accept-encoding" for key, _value in scope["headers"])
    assert "http.response.pathsend" not in scope["extensions"]
