import datetime
import urllib.parse

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from nomos_portal.models import ApiKey, Customer, Org, Plan, SignInLink, utc_now
from nomos_portal.routes import create_api
from nomos_portal.services import sessions, sso


def client(host: str) -> TestClient:
    return TestClient(create_api(), base_url=f"http://{host}:8000", follow_redirects=False)


def org_named(session: Session, name: str) -> Org:
    return session.exec(select(Org).where(Org.name == name)).one()


@pytest.fixture
def acme_key(session: Session) -> str:
    return sso.create_api_key(session, org=org_named(session, "Acme"), label="crm", now=utc_now()).key


def mint(api: TestClient, key: str, **body) -> object:
    return api.post("/api/sso/links", json=body, headers={"Authorization": f"Bearer {key}"})


def open_link(url: str):
    parts = urllib.parse.urlsplit(url)
    return client(parts.hostname).get(f"{parts.path}?{parts.query}")


def test_link_signs_in_once(session: Session, acme: Plan, acme_key: str):
    response = mint(client("acme-power.localhost"), acme_key, email="Jonas.Becker@example.com ", next="/overview")
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    url = response.json()["url"]
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "http"
    assert parts.netloc == "acme-power.localhost:8000"
    assert parts.path == "/auth/confirm"
    query = urllib.parse.parse_qs(parts.query)
    assert query["next"] == ["/overview"]
    assert query["port"] == ["3000"]
    assert len(query["token"][0]) >= 43

    first = open_link(url)
    assert first.status_code == 303
    assert first.headers["location"] == "http://acme-power.localhost:3000/overview"
    cookie = first.headers["set-cookie"]
    assert cookie.startswith("nomos_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    active = sessions.load_session(session, token=token, plan=acme, now=utc_now())
    assert active is not None
    jonas = session.exec(select(Customer).where(Customer.email == "jonas.becker@example.com")).one()
    assert active.customer_id == jonas.id

    second = open_link(url)
    assert second.status_code == 303
    assert second.headers["location"] == "http://acme-power.localhost:3000/login?error=handoff"
    assert "set-cookie" not in second.headers


def test_link_stores_only_hashes(session: Session, acme: Plan, acme_key: str):
    url = mint(client("acme-power.localhost"), acme_key, email="jonas.becker@example.com").json()["url"]
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]
    link = session.exec(select(SignInLink)).one()
    assert link.token_hash == sessions.hash_token(token)
    stored_key = session.exec(select(ApiKey)).one()
    assert stored_key.key_hash == sessions.hash_token(acme_key)
    assert acme_key not in (stored_key.key_hash, stored_key.prefix, stored_key.label)


def test_link_expires_after_five_minutes(session: Session, acme: Plan):
    jonas = session.exec(select(Customer).where(Customer.email == "jonas.becker@example.com")).one()
    minted_at = utc_now() - sso.LINK_LIFETIME - datetime.timedelta(seconds=1)
    minted = sso.mint_sign_in_link(
        session,
        plan=acme,
        customer=jonas,
        next_path="/overview",
        base_domain="localhost",
        production=False,
        now=minted_at,
    )
    response = open_link(minted.url)
    assert response.headers["location"] == "http://acme-power.localhost:3000/login?error=handoff"
    assert "set-cookie" not in response.headers


def test_link_rejected_on_other_plan_host(session: Session, acme_key: str):
    url = mint(client("acme-power.localhost"), acme_key, email="jonas.becker@example.com").json()["url"]
    parts = urllib.parse.urlsplit(url)
    response = client("lumio.localhost").get(f"{parts.path}?{parts.query}")
    assert response.headers["location"] == "http://lumio.localhost:3000/login?error=handoff"
    assert "set-cookie" not in response.headers


def test_edited_next_in_link_is_ignored(session: Session, acme_key: str):
    url = mint(client("acme-power.localhost"), acme_key, email="jonas.becker@example.com", next="/overview").json()[
        "url"
    ]
    edited = url.replace("next=/overview", "next=//evil.example/")
    response = open_link(edited)
    assert response.headers["location"] == "http://acme-power.localhost:3000/overview"


def test_mint_rejects_foreign_next(acme_key: str):
    api = client("acme-power.localhost")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "overview"):
        response = mint(api, acme_key, email="jonas.becker@example.com", next=target)
        assert response.status_code == 400, target
        assert "'next' must be a path on the portal" in response.json()["error"]


def test_mint_rejects_wrong_api_key(session: Session, acme_key: str):
    api = client("acme-power.localhost")
    prefix = acme_key.split("_")[1]
    for key in (acme_key + "x", f"nomos_{prefix}_wrong", "nomos_000000000000_secret", "", "garbage"):
        response = mint(api, key, email="jonas.becker@example.com")
        assert response.status_code == 401, key
        assert response.headers["www-authenticate"] == "Bearer"
    missing = api.post("/api/sso/links", json={"email": "jonas.becker@example.com"})
    assert missing.status_code == 401
    basic = api.post(
        "/api/sso/links", json={"email": "jonas.becker@example.com"}, headers={"Authorization": f"Basic {acme_key}"}
    )
    assert basic.status_code == 401
    assert session.exec(select(SignInLink)).all() == []


def test_mint_rejects_revoked_key(session: Session, acme_key: str):
    sso.revoke_api_key(session, prefix=acme_key.split("_")[1], now=utc_now())
    response = mint(client("acme-power.localhost"), acme_key, email="jonas.becker@example.com")
    assert response.status_code == 401


def test_mint_rejects_other_orgs_customer(session: Session, acme_key: str):
    api = client("acme-power.localhost")
    by_email = mint(api, acme_key, email="lea.wagner@example.org")
    assert by_email.status_code == 404
    assert by_email.json()["error"].startswith("Customer not found")
    lea = session.exec(select(Customer).where(Customer.email == "lea.wagner@example.org")).one()
    by_id = mint(api, acme_key, customer_id=lea.id)
    assert by_id.status_code == 404
    assert session.exec(select(SignInLink)).all() == []


def test_mint_rejects_other_orgs_plan(acme_key: str):
    by_body = mint(client("acme-power.localhost"), acme_key, email="jonas.becker@example.com", plan="lumio")
    assert by_body.status_code == 404
    by_host = mint(client("lumio.localhost"), acme_key, email="jonas.becker@example.com")
    assert by_host.status_code == 404
    no_plan = mint(client("localhost"), acme_key, email="jonas.becker@example.com")
    assert no_plan.status_code == 404


def test_mint_by_customer_id_and_plan_field(session: Session, acme_key: str):
    jonas = session.exec(select(Customer).where(Customer.email == "jonas.becker@example.com")).one()
    response = mint(client("localhost"), acme_key, customer_id=jonas.id, plan="acme-power")
    assert response.status_code == 201
    assert response.json()["customer_id"] == jonas.id
    assert urllib.parse.urlsplit(response.json()["url"]).hostname == "acme-power.localhost"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "exactly one of 'email' or 'customer_id'"),
        ({"email": "a@example.com", "customer_id": 1}, "exactly one of 'email' or 'customer_id'"),
        ({"email": 5}, "'email' must be a string"),
        ({"customer_id": "5"}, "'customer_id' must be an integer"),
        ({"customer_id": True}, "'customer_id' must be an integer"),
        ({"email": "not-an-email"}, "not a valid email address"),
        ({"email": "jonas.becker@example.com", "plan": 3}, "'plan' must be a plan slug"),
    ],
)
def test_mint_rejects_malformed_body(acme_key: str, body: dict, message: str):
    response = mint(client("acme-power.localhost"), acme_key, **body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_mint_rejects_non_json_body(acme_key: str):
    api = client("acme-power.localhost")
    headers = {"Authorization": f"Bearer {acme_key}", "Content-Type": "application/json"}
    assert api.post("/api/sso/links", content=b"{not json", headers=headers).status_code == 400
    assert api.post("/api/sso/links", content=b"[1, 2]", headers=headers).status_code == 400
    assert api.post("/api/sso/links", content=b" " * 20_000, headers=headers).status_code == 413


def test_link_without_subscription_shows_page(session: Session, acme: Plan, acme_key: str):
    session.add(Customer(org_id=acme.org_id, email="no.contract@example.com", first_name="Nina", last_name="Ohne"))
    session.commit()
    url = mint(client("acme-power.localhost"), acme_key, email="no.contract@example.com").json()["url"]
    response = open_link(url)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert "Kein Vertrag in diesem Portal" in response.text
    assert "No contract in this portal" in response.text
    assert "service@acme-energie.example" in response.text
    again = open_link(url)
    assert again.headers["location"] == "http://acme-power.localhost:3000/login?error=handoff"


def test_link_with_two_subscriptions_asks_for_one(acme_key: str):
    url = mint(client("acme-power.localhost"), acme_key, email="anna.schmidt@example.com", next="/overview").json()[
        "url"
    ]
    response = open_link(url)
    assert response.headers["location"] == "http://acme-power.localhost:3000/subscriptions?next=/overview"
    assert "set-cookie" in response.headers


def test_production_link_is_https_on_plan_host(session: Session, acme: Plan):
    jonas = session.exec(select(Customer).where(Customer.email == "jonas.becker@example.com")).one()
    minted = sso.mint_sign_in_link(
        session,
        plan=acme,
        customer=jonas,
        next_path="/overview",
        base_domain="customerportal.energy",
        production=True,
        now=utc_now(),
    )
    assert minted.url.startswith("https://acme-power.customerportal.energy/auth/confirm?token=")
    assert minted.url.endswith("&next=/overview")
