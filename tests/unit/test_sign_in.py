import datetime
import re

import pytest
from sqlmodel import Session, select

from nomos_portal.models import Plan, SignInCode
from nomos_portal.services import sign_in
from tests.conftest import TEST_SECRET_KEY

KNOWN = "anna.schmidt@example.com"
UNKNOWN = "nobody@example.com"
LUMIO_CUSTOMER = "lea.wagner@example.org"
MINUTE = datetime.timedelta(minutes=1)


def request(session: Session, plan: Plan, email: str, now: datetime.datetime) -> sign_in.IssuedCode:
    return sign_in.request_code(session, plan=plan, email=email, secret_key=TEST_SECRET_KEY, now=now)


def verify(session: Session, plan: Plan, email: str, code: str, now: datetime.datetime):
    return sign_in.verify_code(session, plan=plan, email=email, code=code, secret_key=TEST_SECRET_KEY, now=now)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_generate_code_is_six_digits():
    codes = {sign_in.generate_code() for _ in range(500)}
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(codes) > 450


def test_code_stored_only_as_hash(session: Session, acme: Plan, now):
    issued = request(session, acme, KNOWN, now)
    row = session.exec(select(SignInCode)).one()
    assert issued.code is not None
    assert issued.code not in row.code_hash
    assert len(row.code_hash) == 64
    assert row.expires_at == now + datetime.timedelta(minutes=10)


def test_known_email_gets_code_and_signs_in(session: Session, acme: Plan, now):
    issued = request(session, acme, KNOWN, now)
    customer = verify(session, acme, KNOWN, issued.code, now + MINUTE)
    assert customer.email == KNOWN


def test_email_matches_case_insensitive_after_trim(session: Session, acme: Plan, now):
    issued = request(session, acme, "  Anna.Schmidt@EXAMPLE.com ", now)
    assert issued.customer is not None
    customer = verify(session, acme, "ANNA.SCHMIDT@example.com", issued.code, now)
    assert customer.email == KNOWN


def test_unknown_and_other_plan_emails_get_no_code(session: Session, acme: Plan, now):
    for email in (UNKNOWN, LUMIO_CUSTOMER):
        issued = request(session, acme, email, now)
        assert issued.code is None
        assert issued.customer is None
    # A row is stored all the same, so throttling treats every address alike.
    assert sign_in.count_codes(session, plan=acme, email=UNKNOWN) == 1


def test_unknown_email_answers_like_wrong_code(session: Session, acme: Plan, now):
    request(session, acme, UNKNOWN, now)
    with pytest.raises(sign_in.WrongCodeError) as caught:
        verify(session, acme, UNKNOWN, "123456", now)
    assert caught.value.attempts_left == 4


def test_code_is_single_use(session: Session, acme: Plan, now):
    issued = request(session, acme, KNOWN, now)
    verify(session, acme, KNOWN, issued.code, now)
    with pytest.raises(sign_in.CodeUsedError):
        verify(session, acme, KNOWN, issued.code, now)


def test_code_expires_after_ten_minutes(session: Session, acme: Plan, now):
    issued = request(session, acme, KNOWN, now)
    verify_at = now + datetime.timedelta(minutes=10)
    with pytest.raises(sign_in.CodeExpiredError):
        verify(session, acme, KNOWN, issued.code, verify_at)


def test_code_valid_just_before_expiry(session: Session, acme: Plan, now):
    issued = request(session, acme, KNOWN, now)
    customer = verify(session, acme, KNOWN, issued.code, now + datetime.timedelta(minutes=9, seconds=59))
    assert customer.email == KNOWN


def test_five_wrong_attempts_lock_the_code(session: Session, acme: Plan, now):
    issued = request(session, acme, KNOWN, now)
    left = []
    for _ in range(4):
        with pytest.raises(sign_in.WrongCodeError) as caught:
            verify(session, acme, KNOWN, wrong(issued.code), now)
        left.append(caught.value.attempts_left)
    assert left == [4, 3, 2, 1]
    with pytest.raises(sign_in.CodeLockedError):
        verify(session, acme, KNOWN, wrong(issued.code), now)
    # The right code no longer works either.
    with pytest.raises(sign_in.CodeLockedError):
        verify(session, acme, KNOWN, issued.code, now)


def test_malformed_code_costs_no_attempt(session: Session, acme: Plan, now):
    issued = request(session, acme, KNOWN, now)
    for text in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦"):
        with pytest.raises(sign_in.CodeFormatError):
            verify(session, acme, KNOWN, text, now)
    assert session.exec(select(SignInCode)).one().failed_attempts == 0
    spaced = f"{issued.code[:3]} {issued.code[3:]}"
    assert verify(session, acme, KNOWN, spaced, now).email == KNOWN


def test_new_code_retires_previous_one(session: Session, acme: Plan, now):
    first = request(session, acme, KNOWN, now)
    second = request(session, acme, KNOWN, now + 2 * MINUTE)
    if first.code != second.code:
        with pytest.raises(sign_in.WrongCodeError):
            verify(session, acme, KNOWN, first.code, now + 2 * MINUTE)
    assert verify(session, acme, KNOWN, second.code, now + 2 * MINUTE).email == KNOWN


def test_resend_waits_one_minute(session: Session, acme: Plan, now):
    request(session, acme, KNOWN, now)
    with pytest.raises(sign_in.ResendTooSoonError) as caught:
        request(session, acme, KNOWN, now + datetime.timedelta(seconds=20))
    assert caught.value.retry_after == datetime.timedelta(seconds=40)
    request(session, acme, KNOWN, now + MINUTE)


def test_at_most_five_codes_per_hour(session: Session, acme: Plan, now):
    for index in range(5):
        request(session, acme, KNOWN, now + index * 2 * MINUTE)
    with pytest.raises(sign_in.TooManyCodesError) as caught:
        request(session, acme, KNOWN, now + 10 * MINUTE)
    assert caught.value.retry_after == 50 * MINUTE
    # Once the first code is an hour old, one more may be requested.
    request(session, acme, KNOWN, now + 60 * MINUTE + datetime.timedelta(seconds=1))


def test_throttle_same_for_unknown_email(session: Session, acme: Plan, now):
    request(session, acme, UNKNOWN, now)
    with pytest.raises(sign_in.ResendTooSoonError):
        request(session, acme, UNKNOWN, now + datetime.timedelta(seconds=5))


def test_throttle_is_per_plan(session: Session, acme: Plan, lumio: Plan, now):
    request(session, acme, KNOWN, now)
    request(session, lumio, KNOWN, now)


def test_code_from_one_plan_fails_on_another(session: Session, acme: Plan, lumio: Plan, now):
    issued = request(session, acme, KNOWN, now)
    with pytest.raises(sign_in.NoCodeRequestedError):
        verify(session, lumio, KNOWN, issued.code, now)


def test_invalid_emails_rejected_and_nothing_stored(session: Session, acme: Plan, now):
    for email in (
        "",
        "anna",
        "anna@",
        "@example.com",
        "anna@example",
        "a b@example.com",
        "a@b@c.de",
        "x" * 250 + "@example.com",
    ):
        with pytest.raises(sign_in.InvalidEmailError):
            request(session, acme, email, now)
    assert session.exec(select(SignInCode)).all() == []


def test_verify_without_request(session: Session, acme: Plan, now):
    with pytest.raises(sign_in.NoCodeRequestedError):
        verify(session, acme, KNOWN, "123456", now)
