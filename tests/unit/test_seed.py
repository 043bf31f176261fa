from sqlmodel import Session, func, select

from nomos_portal.models import Customer, Org, PaymentMethod, Plan, Subscription
from nomos_portal.services import branding, crypto
from nomos_portal.services.seed import malo_id, seed_demo_data
from tests.conftest import TEST_SECRET_KEY


def counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Org, Plan, Customer, Subscription, PaymentMethod)
    }


def test_seed_twice_changes_nothing(session: Session):
    before = counts(session)
    report = seed_demo_data(session, secret_key=TEST_SECRET_KEY)
    assert report.plans == report.customers == report.subscriptions == 0
    assert counts(session) == before


def test_seed_creates_two_distinct_tenants(session: Session, acme: Plan, lumio: Plan):
    assert acme.color_primary != lumio.color_primary
    assert acme.font_family != lumio.font_family
    assert session.get(Org, acme.org_id).logo != session.get(Org, lumio.org_id).logo
    # The demo brand colours pass the palette's own checks.
    for plan in (acme, lumio):
        for colour in (plan.color_primary, plan.color_accent, plan.color_surface):
            branding.parse_hex(colour)


def test_seed_has_customer_with_two_subscriptions(session: Session, acme: Plan):
    rows = session.exec(
        select(Subscription.customer_id, func.count())
        .where(Subscription.plan_id == acme.id)
        .group_by(Subscription.customer_id)
    ).all()
    assert max(count for _, count in rows) == 2


def test_seed_stores_iban_encrypted(session: Session):
    method = session.exec(select(PaymentMethod)).first()
    assert "DE89370400440532013000" not in method.iban_encrypted
    assert crypto.decrypt(method.iban_encrypted, secret_key=TEST_SECRET_KEY).startswith("DE")
    assert "****" in method.iban_masked


def test_malo_check_digit():
    # 5123456789 -> odd positions 5+2+4+6+8=25, even doubled 2*(1+3+5+7+9)=50, total 75 -> 5
    assert malo_id("5123456789") == "51234567895"
