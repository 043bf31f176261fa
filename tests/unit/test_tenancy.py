import sqlalchemy as sa
from sqlmodel import Session

from nomos_portal.models import Plan
from nomos_portal.services import tenancy, tenant_admin

HOSTS = [
    # host, base domain, expected slug
    ("acme-power.customerportal.energy", "customerportal.energy", "acme-power"),
    ("ACME-Power.CustomerPortal.Energy", "customerportal.energy", "acme-power"),
    ("acme-power.customerportal.energy:443", "customerportal.energy", "acme-power"),
    ("acme-power.customerportal.energy.", "customerportal.energy", "acme-power"),
    ("acme-power.customerportal.energy.:8443", "customerportal.energy", "acme-power"),
    ("lumio.localhost:3000", "localhost", "lumio"),
    ("  lumio.localhost  ", "localhost", "lumio"),
    ("customerportal.energy", "customerportal.energy", None),
    ("localhost:3000", "localhost", None),
    ("a.acme-power.customerportal.energy", "customerportal.energy", None),
    ("acme-power.other.energy", "customerportal.energy", None),
    ("acme-powercustomerportal.energy", "customerportal.energy", None),
    ("127.0.0.1:3000", "localhost", None),
    ("[::1]:3000", "localhost", None),
    ("::1", "localhost", None),
    ("", "localhost", None),
    (":3000", "localhost", None),
    ("-acme.localhost", "localhost", None),
    ("acme-.localhost", "localhost", None),
    ("acme_power.localhost", "localhost", None),
    ("user@lumio.localhost", "localhost", "lumio"),
    ("x" * 64 + ".localhost", "localhost", None),
]


def test_slug_from_host_table():
    for host, base, expected in HOSTS:
        assert tenancy.slug_from_host(host, base_domain=base) == expected, host


def test_normalize_host_strips_port_case_and_dot():
    assert tenancy.normalize_host("Lumio.LocalHost.:3000") == "lumio.localhost"
    assert tenancy.normalize_host("[::1]:8000") == "::1"


def test_resolve_plan_known_slug(session: Session, acme: Plan):
    found = tenancy.resolve_plan(session, host="acme-power.localhost:3000", base_domain="localhost")
    assert found is not None
    plan, org = found
    assert plan.id == acme.id
    assert org.name == "Acme"


def test_resolve_plan_unknown_hosts(session: Session):
    for host in ("nobody.localhost", "localhost", "127.0.0.1", "a.lumio.localhost", ""):
        assert tenancy.resolve_plan(session, host=host, base_domain="localhost") is None, host


def test_resolve_plan_other_base_domain(session: Session):
    assert tenancy.resolve_plan(session, host="lumio.localhost", base_domain="customerportal.energy") is None
    found = tenancy.resolve_plan(session, host="lumio.customerportal.energy", base_domain="customerportal.energy")
    assert found is not None


def test_is_valid_slug():
    assert tenancy.is_valid_slug("acme-power")
    assert not tenancy.is_valid_slug("Acme")
    assert not tenancy.is_valid_slug("acme.power")
    assert not tenancy.is_valid_slug("")


def test_cached_plan_answers_repeated_hosts_without_a_query(session: Session, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(tenancy.time, "monotonic", lambda: clock[0])
    tenancy.forget_cached_plans()
    plan, org = tenancy.resolve_plan_cached(session, host="lumio.localhost:3000", base_domain="localhost")
    assert plan.slug == "lumio"
    assert org.id == plan.org_id

    # Another process renames the plan: this worker keeps the cached plan for a few seconds, then reads again.
    stored = session.get(Plan, plan.id)
    stored.name = "Lumio Nord"
    session.add(stored)
    session.commit()
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(session.get_bind(), "before_cursor_execute", listener)
    try:
        cached, _org = tenancy.resolve_plan_cached(session, host="LUMIO.localhost", base_domain="localhost")
        assert statements == []
        assert cached.name != "Lumio Nord"
        clock[0] += tenancy.PLAN_CACHE_SECONDS
        fresh, _org = tenancy.resolve_plan_cached(session, host="lumio.localhost", base_domain="localhost")
    finally:
        sa.event.remove(session.get_bind(), "before_cursor_execute", listener)
    assert fresh.name == "Lumio Nord"
    assert tenancy.resolve_plan_cached(session, host="nobody.localhost", base_domain="localhost") is None


def test_tenant_admin_change_shows_at_once(session: Session):
    tenancy.forget_cached_plans()
    tenancy.resolve_plan_cached(session, host="lumio.localhost", base_domain="localhost")
    tenant_admin.save_plan(session, slug="lumio", changes=tenant_admin.PlanChanges(name="Lumio Grün"), create=False)
    plan, _org = tenancy.resolve_plan_cached(session, host="lumio.localhost", base_domain="localhost")
    assert plan.name == "Lumio Grün"
