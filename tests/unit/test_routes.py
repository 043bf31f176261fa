from sqlmodel import Session, select
from starlette.testclient import TestClient

from nomos_portal.models import Customer, Plan, PortalSession, utc_now
from nomos_portal.routes import create_api
from nomos_portal.services import sessions


def new_ticket(session: Session, plan: Plan, email: str) -> sessions.NewSession:
    customer = session.exec(select(Customer).where(Customer.email == email)).one()
    return sessions.create_session(session, plan=plan, customer=customer, now=utc_now())


def client(host: str) -> TestClient:
    return TestClient(create_api(), base_url=f"http://{host}:8000", follow_redirects=False)


def test_complete_sets_httponly_cookie_and_redirects(session: Session, acme: Plan):
    new = new_ticket(session, acme, "jonas.becker@example.com")
    response = client("acme-power.localhost").get(
        "/auth/complete", params={"ticket": new.handoff_ticket, "next": "/overview", "port": "3000"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "http://acme-power.localhost:3000/overview"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("nomos_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Max-Age=2592000" in cookie
    assert "Secure" not in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert sessions.load_session(session, token=token, plan=acme, now=utc_now()) is not None


def test_complete_sends_several_subscriptions_to_choice(session: Session, acme: Plan):
    new = new_ticket(session, acme, "anna.schmidt@example.com")
    response = client("acme-power.localhost").get(
        "/auth/complete", params={"ticket": new.handoff_ticket, "next": "/overview"}
    )
    assert response.headers["location"] == "/subscriptions?next=/overview"


def test_complete_rejects_ticket_on_other_plan_host(session: Session, acme: Plan):
    new = new_ticket(session, acme, "jonas.becker@example.com")
    response = client("lumio.localhost").get("/auth/complete", params={"ticket": new.handoff_ticket})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?error=handoff"
    assert "set-cookie" not in response.headers


def test_complete_rejects_reused_ticket(session: Session, acme: Plan):
    new = new_ticket(session, acme, "jonas.becker@example.com")
    api = client("acme-power.localhost")
    assert "set-cookie" in api.get("/auth/complete", params={"ticket": new.handoff_ticket}).headers
    second = api.get("/auth/complete", params={"ticket": new.handoff_ticket})
    assert second.headers["location"] == "/login?error=handoff"
    assert "set-cookie" not in second.headers


def test_complete_on_unknown_host_is_not_found(portal_env):
    response = client("nobody.localhost").get("/auth/complete", params={"ticket": "x"})
    assert response.status_code == 404
    assert "set-cookie" not in response.headers


def test_complete_never_redirects_off_site(session: Session, acme: Plan):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        new = new_ticket(session, acme, "jonas.becker@example.com")
        response = client("acme-power.localhost").get(
            "/auth/complete", params={"ticket": new.handoff_ticket, "next": target, "port": "3000"}
        )
        assert response.headers["location"] == "http://acme-power.localhost:3000/overview", target


def test_sign_out_revokes_and_deletes_cookie(session: Session, acme: Plan):
    new = new_ticket(session, acme, "jonas.becker@example.com")
    api = client("acme-power.localhost")
    api.get("/auth/complete", params={"ticket": new.handoff_ticket})
    token = api.cookies.get("nomos_session")
    response = api.get("/auth/sign-out", params={"port": "3000"})
    assert response.status_code == 303
    assert response.headers["location"] == "http://acme-power.localhost:3000/login"
    assert 'nomos_session=""' in response.headers["set-cookie"]
    assert sessions.load_session(session, token=token, plan=acme, now=utc_now()) is None
    row = session.exec(select(PortalSession).where(PortalSession.id == new.session_id)).one()
    session.refresh(row)
    assert row.revoked_at is not None


def test_secure_cookie_in_production(session: Session, acme: Plan, monkeypatch):
    from nomos_portal import settings

    monkeypatch.setenv("NOMOS_ENV", "production")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MAIL_FROM", "portal@customerportal.localhost")
    settings.get_settings.cache_clear()
    new = new_ticket(session, acme, "jonas.becker@example.com")
    response = client("acme-power.localhost").get("/auth/complete", params={"ticket": new.handoff_ticket})
    assert "Secure" in response.headers["set-cookie"]


def test_brand_head_styles_each_host(portal_env):
    from nomos_portal.head import brand_head

    acme_tags, _language = brand_head("acme-power.localhost", "")
    lumio_tags, _language = brand_head("lumio.localhost", "")
    assert b"--accent-9: #0b5fff;" in acme_tags
    assert b'src: url("/fonts/archivo/archivo-latin-400-normal.woff2")' in acme_tags
    assert b'as="font" type="font/woff2" href="/fonts/archivo/archivo-latin-700-normal.woff2"' in acme_tags
    assert b"--accent-9: #c2185b;" in lumio_tags
    assert b'href="/fonts/lora/lora-latin-400-normal.woff2"' in lumio_tags
    assert b"Archivo" not in lumio_tags
    # The brand style comes before the font's tags, both after the title, inside one rewrite.
    assert acme_tags.index(b"<title>") < acme_tags.index(b"--accent-9") < acme_tags.index(b'rel="preload"')


def test_brand_style_cannot_end_its_element(session: Session, acme: Plan):
    from nomos_portal.head import brand_style

    acme.font_family = "Evil</style><script>alert(1)</script>"
    style = brand_style(acme)
    assert style.count("</style>") == 1
    assert style.endswith("</style>")
    assert "<script>" not in style


def test_rewrite_html_sets_title_icon_and_language():
    from nomos_portal.head import rewrite_html

    page = b'<!DOCTYPE html><html lang="en" class="x"><head><title></title></head><body><title>x</title></body></html>'
    result = rewrite_html(page, b"<title>Acme Kundenportal</title>", "de")
    assert result.startswith(b'<!DOCTYPE html><html class="x" lang="de"><head><title>Acme Kundenportal</title>')
    assert result.count(b"<title>") == 2


def test_brand_head_escapes_org_name(session: Session, acme: Plan):
    from nomos_portal.head import brand_head
    from nomos_portal.models import Org

    org = session.get(Org, acme.org_id)
    org.name = "<script>alert(1)</script>"
    session.add(org)
    session.commit()
    tags, language = brand_head("acme-power.localhost:3000", "nomos_lang=en")
    assert b"<script>" not in tags
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; customer portal" in tags
    assert language == "en"


def test_brand_head_unknown_host_is_neutral(portal_env):
    from nomos_portal.head import brand_head

    tags, language = brand_head("nobody.localhost", "")
    assert tags == b"<title>Portal nicht gefunden</title>"
    assert language == "de"
