"""Abuse of the sign-in page, driven through `LoginState` as the browser would.

Service-level rules (code format, single use, expiry, lock after five
attempts, throttling) are tested in test_sign_in.py; these tests check what
an attacker sees and gets through the page handlers.
"""

import datetime
import email
import re
import statistics
import time
from email import policy
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from nomos_portal import i18n
from nomos_portal.models import PortalSession, SignInCode
from nomos_portal.services import sign_in
from nomos_portal.states import login as login_module
from nomos_portal.states.login import LoginState
from tests.unit.state_driver import call, make_state, page_url, use_language

KNOWN = ("anna.schmidt@example.com", "jonas.becker@example.com", "info@baeckerei-hoffmann.example")
UNKNOWN = ("anna.schmitt@example.com", "jonas.becker@example.net", "info@baeckerei-hofmann.example")
START = datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.UTC)


class FakeClock:
    """Stand-in for `utc_now` in the login state: a fixed time that tests move on."""

    def __init__(self, start: datetime.datetime) -> None:
        self.current = start

    def __call__(self) -> datetime.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(START)
    monkeypatch.setattr(login_module, "utc_now", fake)
    return fake


def login_page(slug: str = "acme-power") -> LoginState:
    """A sign-in page that has run its on-load handler."""
    page = make_state(LoginState, url=page_url(slug, "/login"))
    call(page, LoginState.load)
    return page


def outbox_codes(outbox: Path, address: str) -> list[str]:
    """The sign-in codes mailed to an address, oldest first."""
    codes = []
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == address:
            text = message.get_body(preferencelist=("plain",)).get_content()
            codes.append(re.search(r"\b(\d{6})\b", text).group(1))
    return codes


def visible_state(state: LoginState) -> dict[str, object]:
    """What the page shows after a code request, with the entered address itself left out."""
    return {
        "step": state.step,
        "error_key": state.error_key,
        "error_params": dict(state.error_params),
        "busy": state.busy,
        "message": state.code_sent_message.replace(state.email, "<email>"),
    }


def session_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(PortalSession)).one()


def test_code_request_page_same_for_known_and_unknown(portal_env, clock):
    for known, unknown in zip(KNOWN, UNKNOWN, strict=True):
        shown = []
        for address in (known, unknown):
            page = login_page()
            call(page, LoginState.request_code, {"email": address})
            shown.append(visible_state(page))
        assert shown[0] == shown[1]
        assert shown[0]["step"] == "code"
        assert shown[0]["error_key"] == ""
    # Only the real customers got mail, which an attacker cannot see.
    assert len(outbox_codes(portal_env.outbox_dir, KNOWN[0])) == 1
    assert outbox_codes(portal_env.outbox_dir, UNKNOWN[0]) == []


def test_wrong_code_page_same_for_known_and_unknown(portal_env, clock):
    shown = []
    for address in (KNOWN[1], UNKNOWN[1]):
        page = login_page()
        call(page, LoginState.request_code, {"email": address})
        call(page, LoginState.verify_code, {"code": "000000"})
        shown.append((page.error_key, dict(page.error_params), page.error_message))
    # A real code of 000000 has a one in a million chance; retry the test then.
    assert shown[0] == shown[1]
    assert shown[0][0] == "error.wrong_code"


def time_code_request(address: str) -> float:
    """Seconds until the page shows the code step, which is all the response an attacker can time."""
    page = login_page()
    steps = LoginState.request_code.fn(page, {"email": address})
    started = time.perf_counter()
    next(steps)
    elapsed = time.perf_counter() - started
    steps.close()
    assert page.step == "code"
    return elapsed


def median_error(samples: list[float]) -> float:
    """Estimated standard error of a sample's median, from its median absolute deviation.

    The deviation resists the outliers that other processes on a shared machine cause,
    where the standard deviation or the interquartile range would grow with them.
    """
    center = statistics.median(samples)
    deviation = statistics.median(abs(value - center) for value in samples)
    return 1.2533 * 1.4826 * deviation / len(samples) ** 0.5


def test_code_request_timing_same_for_known_and_unknown(portal_env, clock):
    known_times: list[float] = []
    unknown_times: list[float] = []
    for index in range(80):
        # Twenty minutes apart, so no address reaches the resend or hourly limit.
        clock.advance(minutes=20)
        known = KNOWN[index % len(KNOWN)]
        unknown = UNKNOWN[index % len(UNKNOWN)]
        # Alternate the order, so a warm cache favours neither side.
        if index % 2:
            known_times.append(time_code_request(known))
            unknown_times.append(time_code_request(unknown))
        else:
            unknown_times.append(time_code_request(unknown))
            known_times.append(time_code_request(known))

    known_median = statistics.median(known_times)
    unknown_median = statistics.median(unknown_times)
    difference = abs(known_median - unknown_median)
    noise = (median_error(known_times) ** 2 + median_error(unknown_times) ** 2) ** 0.5
    # Three standard errors, but at least 1 ms: sending a mail before the response takes longer than that.
    allowed = max(3 * noise, 0.001)
    assert difference <= allowed, (
        f"medians differ by {difference * 1000:.2f} ms, allowed {allowed * 1000:.2f} ms: "
        f"known {known_median * 1000:.2f} ms, unknown {unknown_median * 1000:.2f} ms"
    )


def test_brute_force_capped_at_25_guesses_per_hour(session: Session, portal_env, clock):
    address = KNOWN[1]
    page = login_page()
    accepted_guesses = 0
    for _round in range(6):
        call(page, LoginState.request_code, {"email": address})
        if page.error_key:
            break
        real = outbox_codes(portal_env.outbox_dir, address)[-1]
        guess = f"{(int(real) + 1) % 1_000_000:06d}"
        for _attempt in range(7):
            call(page, LoginState.verify_code, {"code": guess})
            if page.error_key == "error.wrong_code":
                accepted_guesses += 1
        # The fifth wrong guess locks the code; the right one no longer works either.
        assert page.error_key == "error.code_locked"
        call(page, LoginState.verify_code, {"code": real})
        assert page.error_key == "error.code_locked"
        clock.advance(minutes=2)

    assert page.error_key == "error.too_many_codes"
    # Four guesses answer "wrong code", the fifth "locked", for each of the five codes in an hour.
    assert accepted_guesses == 4 * sign_in.MAX_CODES_PER_HOUR
    assert session_count(session) == 0
    for language in i18n.LANGUAGES:
        use_language(page, language)
        assert page.error_message
        assert "error." not in page.error_message


def test_locked_code_message_translated(portal_env, clock):
    page = login_page()
    call(page, LoginState.request_code, {"email": UNKNOWN[0]})
    for _attempt in range(sign_in.MAX_FAILED_ATTEMPTS):
        call(page, LoginState.verify_code, {"code": "123456"})
    assert page.error_key == "error.code_locked"
    messages = {}
    for language in i18n.LANGUAGES:
        use_language(page, language)
        messages[language] = page.error_message
    assert messages["de"] != messages["en"]
    assert all(messages.values())


def test_resend_flood_sends_at_most_five_mails(session: Session, portal_env, clock):
    address = KNOWN[0]
    variants = (address, address.upper(), f"  {address}  ", address.title())
    page = login_page()
    for index in range(120):
        call(page, LoginState.request_code, {"email": variants[index % len(variants)]})
        call(page, LoginState.resend_code)
        clock.advance(seconds=15)
    # Thirty minutes of flooding from one page: at most one mail a minute and five an hour.
    assert len(outbox_codes(portal_env.outbox_dir, address)) == sign_in.MAX_CODES_PER_HOUR
    assert sign_in.count_codes(session, plan=page._plan(), email=address) == sign_in.MAX_CODES_PER_HOUR
    assert page.error_key in ("error.resend_too_soon", "error.too_many_codes")


def test_resend_flood_from_many_pages_is_throttled_per_address(portal_env, clock):
    address = KNOWN[1]
    keys = set()
    for _page in range(20):
        page = login_page()
        call(page, LoginState.request_code, {"email": address})
        keys.add(page.error_key)
        clock.advance(seconds=1)
    assert len(outbox_codes(portal_env.outbox_dir, address)) == 1
    assert keys == {"", "error.resend_too_soon"}


def test_used_code_replayed_creates_no_session(session: Session, portal_env, clock):
    address = KNOWN[1]
    first_tab = login_page()
    call(first_tab, LoginState.request_code, {"email": address})
    code = outbox_codes(portal_env.outbox_dir, address)[-1]
    events = call(first_tab, LoginState.verify_code, {"code": code})
    assert first_tab.busy
    assert events
    assert session_count(session) == 1

    second_tab = login_page()
    second_tab.email = address
    second_tab.step = "code"
    second_events = call(second_tab, LoginState.verify_code, {"code": code})
    assert second_tab.error_key == "error.code_used"
    assert second_events == []
    assert session_count(session) == 1


def test_expired_code_replayed_creates_no_session(session: Session, portal_env, clock):
    address = KNOWN[1]
    page = login_page()
    call(page, LoginState.request_code, {"email": address})
    code = outbox_codes(portal_env.outbox_dir, address)[-1]
    clock.advance(minutes=10)
    assert call(page, LoginState.verify_code, {"code": code}) == []
    assert page.error_key == "error.code_expired"
    assert session_count(session) == 0
    # The failed replay costs no attempt, and the row stays unused.
    row = session.exec(select(SignInCode)).one()
    assert row.used_at is None


def test_code_from_other_plan_host_creates_no_session(session: Session, portal_env, clock):
    address = KNOWN[1]
    acme_page = login_page()
    call(acme_page, LoginState.request_code, {"email": address})
    code = outbox_codes(portal_env.outbox_dir, address)[-1]
    lumio_page = login_page("lumio")
    lumio_page.email = address
    lumio_page.step = "code"
    assert call(lumio_page, LoginState.verify_code, {"code": code}) == []
    assert lumio_page.error_key == "error.no_code_requested"
    assert session_count(session) == 0
