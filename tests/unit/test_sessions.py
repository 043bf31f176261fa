import datetime

import pytest
from sqlmodel import Session, select

from nomos_portal.models import Customer, Plan, PortalSession, Subscription
from nomos_portal.services import sessions


def customer_by_email(session: Session, email: str) -> Customer:
    return session.exec(select(Customer).where(Customer.email == email)).one()


def signed_in(session: Session, plan: Plan, email: str, now: datetime.datetime) -> tuple[str, PortalSession]:
    new = sessions.create_session(session, plan=plan, customer=customer_by_email(session, email), now=now)
    return sessions.exchange_handoff(session, ticket=new.handoff_ticket, plan=plan, now=now)


def test_token_has_enough_entropy_and_is_stored_hashed(session: Session, acme: Plan, now):
    token, row = signed_in(session, acme, "jonas.becker@example.com", now)
    assert len(token) >= 43  # 32 random bytes in url-safe base64
    assert row.token_hash == sessions.hash_token(token)
    assert token not in row.token_hash
    assert row.expires_at == now + datetime.timedelta(days=30)


def test_session_loads_on_its_plan(session: Session, acme: Plan, now):
    token, _ = signed_in(session, acme, "jonas.becker@example.com", now)
    active = sessions.load_session(session, token=token, plan=acme, now=now + datetime.timedelta(days=29))
    assert active is not None
    assert active.subscription_id is not None


def test_session_refused_on_other_plan(session: Session, acme: Plan, lumio: Plan, now):
    token, _ = signed_in(session, acme, "jonas.becker@example.com", now)
    assert sessions.load_session(session, token=token, plan=lumio, now=now) is None


def test_session_expires_after_thirty_days(session: Session, acme: Plan, now):
    token, _ = signed_in(session, acme, "jonas.becker@example.com", now)
    assert sessions.load_session(session, token=token, plan=acme, now=now + datetime.timedelta(days=30)) is None


def test_revoked_session_refused(session: Session, acme: Plan, now):
    token, _ = signed_in(session, acme, "jonas.becker@example.com", now)
    assert sessions.revoke_session(session, token=token, now=now)
    assert sessions.load_session(session, token=token, plan=acme, now=now) is None
    assert not sessions.revoke_session(session, token=token, now=now)


def test_unknown_or_missing_token_refused(session: Session, acme: Plan, now):
    assert sessions.load_session(session, token=None, plan=acme, now=now) is None
    assert sessions.load_session(session, token="forged", plan=acme, now=now) is None


def test_handoff_ticket_single_use(session: Session, acme: Plan, now):
    customer = customer_by_email(session, "jonas.becker@example.com")
    new = sessions.create_session(session, plan=acme, customer=customer, now=now)
    sessions.exchange_handoff(session, ticket=new.handoff_ticket, plan=acme, now=now)
    with pytest.raises(sessions.HandoffError):
        sessions.exchange_handoff(session, ticket=new.handoff_ticket, plan=acme, now=now)


def test_handoff_token_differs_from_created_one(session: Session, acme: Plan, now):
    customer = customer_by_email(session, "jonas.becker@example.com")
    new = sessions.create_session(session, plan=acme, customer=customer, now=now)
    token, _ = sessions.exchange_handoff(session, ticket=new.handoff_ticket, plan=acme, now=now)
    assert token != new.token
    assert sessions.load_session(session, token=new.token, plan=acme, now=now) is None


def test_handoff_ticket_expires_and_is_plan_bound(session: Session, acme: Plan, lumio: Plan, now):
    customer = customer_by_email(session, "jonas.becker@example.com")
    new = sessions.create_session(session, plan=acme, customer=customer, now=now)
    with pytest.raises(sessions.HandoffError):
        sessions.exchange_handoff(session, ticket=new.handoff_ticket, plan=lumio, now=now)
    with pytest.raises(sessions.HandoffError):
        sessions.exchange_handoff(
            session, ticket=new.handoff_ticket, plan=acme, now=now + datetime.timedelta(minutes=3)
        )


def test_single_subscription_chosen_at_sign_in(session: Session, acme: Plan, now):
    _, row = signed_in(session, acme, "jonas.becker@example.com", now)
    assert row.subscription_id is not None


def test_several_subscriptions_wait_for_a_choice(session: Session, acme: Plan, now):
    token, row = signed_in(session, acme, "anna.schmidt@example.com", now)
    assert row.subscription_id is None
    active = sessions.load_session(session, token=token, plan=acme, now=now)
    assert active is not None
    owned = sessions.list_subscriptions(session, plan_id=acme.id, customer_id=active.customer_id)
    assert [item.number for item in owned] == ["ACME-100001", "ACME-100002"]
    chosen = sessions.choose_subscription(session, active=active, subscription_id=owned[1].id)
    assert chosen.number == "ACME-100002"
    reloaded = sessions.load_session(session, token=token, plan=acme, now=now)
    assert reloaded.subscription_id == owned[1].id


def test_choosing_another_customers_subscription_fails(session: Session, acme: Plan, now):
    token, _ = signed_in(session, acme, "anna.schmidt@example.com", now)
    active = sessions.load_session(session, token=token, plan=acme, now=now)
    others = session.exec(select(Subscription).where(Subscription.customer_id != active.customer_id)).all()
    for other in [*others, None]:
        with pytest.raises(sessions.SubscriptionNotFoundError):
            sessions.choose_subscription(session, active=active, subscription_id=other.id if other else 999_999)
    assert session.get(PortalSession, active.session_id).subscription_id is None


def test_read_cookie_finds_value_among_others():
    header = 'theme=dark; nomos_lang=de; weird="a,b"; nomos_session=abc-123_x; other=1'
    assert sessions.read_cookie(header) == "abc-123_x"
    assert sessions.read_cookie("nomos_lang=de") is None
    assert sessions.read_cookie("") is None
    assert sessions.read_cookie("nomos_session=") is None


def test_signed_in_brings_customer_and_subscription_count(session: Session, acme: Plan, lumio: Plan, now):
    token, _ = signed_in(session, acme, "jonas.becker@example.com", now)
    found = sessions.load_signed_in(session, token=token, plan=acme, now=now)
    assert found is not None
    assert found.active == sessions.load_session(session, token=token, plan=acme, now=now)
    assert found.customer.email == "jonas.becker@example.com"
    expected = sessions.list_subscriptions(session, plan_id=acme.id, customer_id=found.customer.id)
    assert found.subscription_count == len(expected) >= 1

    # Refused exactly where load_session refuses.
    assert sessions.load_signed_in(session, token=token, plan=lumio, now=now) is None
    assert sessions.load_signed_in(session, token=token, plan=acme, now=now + datetime.timedelta(days=30)) is None
    assert sessions.load_signed_in(session, token="forged", plan=acme, now=now) is None
    assert sessions.load_signed_in(session, token=None, plan=acme, now=now) is None
    sessions.revoke_session(session, token=token, now=now)
    assert sessions.load_signed_in(session, token=token, plan=acme, now=now) is None
