"""Sign-in with an emailed six-digit code."""

from __future__ import annotations

import logging
import math
import urllib.parse

import reflex as rx

from nomos_portal import i18n
from nomos_portal.db import open_session
from nomos_portal.models import Plan, utc_now
from nomos_portal.services import mail, sessions, sign_in
from nomos_portal.settings import get_settings
from nomos_portal.states.auth import AuthState, backend_origin, navigate_to, safe_next_path
from nomos_portal.states.portal import PageLanguage

logger = logging.getLogger(__name__)


class LoginState(PageLanguage, AuthState):
    """The two steps of the sign-in page: email, then code."""

    # "email" or "code".
    step: str = "email"
    email: str = ""
    error_key: str = ""
    error_params: dict[str, str] = {}
    busy: bool = False

    @rx.var
    def error_message(self) -> str:
        """The current error in the UI language, or ""."""
        if not self.error_key:
            return ""
        return i18n.translate(self.error_key, self._page_lang, **self.error_params)

    @rx.var
    def code_sent_message(self) -> str:
        """Message shown after a code request, identical for known and unknown emails."""
        return i18n.translate("login.code_sent", self._page_lang, email=self.email)

    def _next_path(self) -> str:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(str(self.router.url)).query)
        return safe_next_path((query.get("next") or [""])[0])

    def _plan(self) -> Plan | None:
        if self._plan_id is None:
            return None
        with open_session() as session:
            return session.get(Plan, self._plan_id)

    def _show_error(self, key: str, **params: object) -> None:
        self.error_key = key
        self.error_params = {name: str(value) for name, value in params.items()}

    @rx.event
    def load(self):
        """Resolve the tenant; a visitor who is already signed in goes straight on."""
        active = self._authenticate()
        if active is not None:
            return rx.redirect(self._next_path(), replace=True)
        self.busy = False
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(str(self.router.url)).query)
        if query.get("error") == ["handoff"]:
            self.step = "email"
            self._show_error("error.handoff_failed")

    @rx.event
    def request_code(self, form_data: dict):
        """Send a code to the entered email; the page responds the same whether or not it is a customer's."""
        yield from self._request_code(str(form_data.get("email", "")))

    @rx.event
    def resend_code(self):
        """Request another code for the email entered before."""
        yield from self._request_code(self.email)

    def _request_code(self, email: str):
        plan = self._plan()
        if plan is None:
            return
        self.error_key = ""
        settings = get_settings()
        try:
            with open_session() as session:
                issued = sign_in.request_code(
                    session, plan=plan, email=email, secret_key=settings.secret_key, now=utc_now()
                )
        except sign_in.ResendTooSoonError as error:
            self._show_error("error.resend_too_soon", seconds=math.ceil(error.retry_after.total_seconds()))
            return
        except sign_in.TooManyCodesError as error:
            self._show_error("error.too_many_codes", minutes=math.ceil(error.retry_after.total_seconds() / 60))
            return
        except sign_in.SignInError as error:
            self._show_error(f"error.{error.code}")
            return

        self.email = sign_in.normalize_email(email)
        self.step = "code"
        # Show the code step first, so the response time does not depend on sending mail.
        yield
        if issued.code is not None and issued.customer is not None:
            message = mail.build_sign_in_mail(
                to=issued.customer.email,
                code=issued.code,
                org_name=self.org_name,
                primary_color=plan.color_primary,
                language=issued.customer.locale,
            )
            try:
                mail.send_mail(message, settings)
            except (mail.MailDeliveryError, OSError):
                logger.exception("Sign-in mail for customer %s on plan %s failed", issued.customer.id, plan.slug)

    @rx.event
    def verify_code(self, form_data: dict):
        """Check the code; on success start a session and let the cookie route set its cookie."""
        plan = self._plan()
        if plan is None or self.busy:
            return
        self.error_key = ""
        code = str(form_data.get("code", ""))
        settings = get_settings()
        try:
            with open_session() as session:
                customer = sign_in.verify_code(
                    session,
                    plan=plan,
                    email=self.email,
                    code=code,
                    secret_key=settings.secret_key,
                    now=utc_now(),
                )
                new_session = sessions.create_session(session, plan=plan, customer=customer, now=utc_now())
        except sign_in.WrongCodeError as error:
            self._show_error("error.wrong_code", attempts=error.attempts_left)
            return
        except sign_in.SignInError as error:
            self._show_error(f"error.{error.code}")
            return

        self.busy = True
        page_port = urllib.parse.urlsplit(str(self.router.url)).port
        params = {"ticket": new_session.handoff_ticket, "next": self._next_path()}
        if page_port:
            params["port"] = str(page_port)
        origin = backend_origin(str(self.router.url), self.router.headers.host)
        return navigate_to(f"{origin}/auth/complete?{urllib.parse.urlencode(params)}")

    @rx.event
    def change_email(self):
        """Go back to the email step."""
        self.step = "email"
        self.error_key = ""
