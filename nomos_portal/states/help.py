"""`/help` and `/help/contact`: help articles with search, and the message form to customer service."""

from __future__ import annotations

import logging
import urllib.parse

import reflex as rx

from nomos_portal import clock, i18n
from nomos_portal.db import open_session
from nomos_portal.models import Customer, Plan
from nomos_portal.services import customers, help_center, mail, support
from nomos_portal.settings import get_settings
from nomos_portal.states.auth import AuthState
from nomos_portal.states.portal import PageLanguage

logger = logging.getLogger(__name__)


class HelpState(PageLanguage, AuthState):
    """The help center's search; the article list itself is static."""

    query: str = ""

    @rx.event
    def load(self):
        """Resolve the tenant and, if there is one, the signed-in customer; no sign-in needed."""
        self._authenticate()
        url = urllib.parse.urlsplit(str(self.router.url))
        self.query = (urllib.parse.parse_qs(url.query).get("q") or [""])[0][: help_center.MAX_QUERY_LENGTH]

    @rx.event
    def search(self, form_data: dict):
        """Search the articles for the entered words."""
        self.query = str(form_data.get("q", ""))[: help_center.MAX_QUERY_LENGTH].strip()

    @rx.event
    def clear_search(self):
        """Show every article again."""
        self.query = ""

    @rx.var
    def results(self) -> list[dict[str, str]]:
        """Articles matching the query in the UI language, best first."""
        return [
            {
                "slug": found.slug,
                "title": found.title,
                "body": found.body,
                "category": i18n.translate(f"help.category.{found.category}", self._page_lang),
            }
            for found in help_center.search(self.query, self._page_lang)
        ]

    @rx.var
    def results_text(self) -> str:
        """The number of articles found, or a note that the search found none."""
        if not self.query:
            return ""
        count = len(help_center.search(self.query, self._page_lang))
        if count == 0:
            return i18n.translate("help.no_results", self._page_lang, query=self.query)
        return i18n.translate("help.results", self._page_lang, query=self.query, count=count)


class ContactState(PageLanguage, AuthState):
    """The contact form: topic, message, optional reference, and an email for visitors who are not signed in."""

    topic: str = "other"
    customer_email: str = ""
    customer_number: str = ""
    sent_text: str = ""
    error_key: str = ""
    error_params: dict[str, str] = {}
    # Key of the rendered form: a new value after a sent message makes the browser render empty fields.
    form_key: int = 0

    @rx.event
    def load(self):
        """Resolve the tenant and the signed-in customer, if any, and preselect the topic from the URL."""
        active = self._authenticate()
        url = urllib.parse.urlsplit(str(self.router.url))
        topic = (urllib.parse.parse_qs(url.query).get("topic") or [""])[0]
        self.topic = topic if topic in support.TOPICS else "other"
        self.sent_text = ""
        self.error_key = ""
        self.customer_email = ""
        self.customer_number = ""
        if active is not None:
            with open_session() as session:
                customer = session.get(Customer, active.customer_id)
            if customer is not None:
                self.customer_email = customer.email
                self.customer_number = str(customer.id)

    @rx.var
    def error_message(self) -> str:
        """The current error in the UI language, or ""."""
        if not self.error_key:
            return ""
        return i18n.translate(f"contact_error.{self.error_key}", self._page_lang, **self.error_params)

    @rx.var
    def signed_in_text(self) -> str:
        """Who the message comes from, for signed-in customers."""
        if not self.customer_email:
            return ""
        return i18n.translate(
            "contact.signed_in_as", self._page_lang, email=self.customer_email, customer=self.customer_number
        )

    @rx.var
    def limit_text(self) -> str:
        """The hourly message limit in words."""
        return i18n.translate("contact.limit_note", self._page_lang, count=support.MAX_MESSAGES_PER_SENDER)

    def _show_error(self, code: str, details: dict[str, object]) -> None:
        self.error_key = code
        self.error_params = {name: str(value) for name, value in details.items()}

    @rx.event
    def send(self, form_data: dict):
        """Store the message, then email it to customer service and a copy to a signed-in customer."""
        active = self._authenticate()
        if self._plan_id is None:
            return
        self.error_key = ""
        self.sent_text = ""
        with open_session() as session:
            plan = session.get(Plan, self._plan_id)
            assert plan is not None
            customer = session.get(Customer, active.customer_id) if active is not None else None
            number = ""
            if active is not None and active.subscription_id is not None:
                number = customers.owned_subscription(
                    session,
                    plan_id=active.plan_id,
                    customer_id=active.customer_id,
                    subscription_id=active.subscription_id,
                ).number
            try:
                submission = support.submit(
                    session,
                    plan=plan,
                    customer=customer,
                    subscription_number=number,
                    topic=str(form_data.get("topic", "")),
                    message=str(form_data.get("message", "")),
                    reference=str(form_data.get("reference", "")),
                    email=str(form_data.get("email", "")),
                    now=clock.now(),
                )
            except support.ContactError as error:
                self._show_error(error.code, error.details)
                return
        settings = get_settings()
        try:
            mail.send_mail(submission.to_support, settings)
        except (mail.MailDeliveryError, OSError):
            logger.exception("Support message for plan %s (customer %s) not delivered", plan.slug, self._customer_id)
            self._show_error("mail_failed", {})
            return
        if submission.copy is not None:
            try:
                mail.send_mail(submission.copy, settings)
            except (mail.MailDeliveryError, OSError):
                logger.exception("Copy of a support message to customer %s not delivered", self._customer_id)
            self.sent_text = i18n.translate("contact.sent", self._page_lang)
        else:
            self.sent_text = i18n.translate("contact.sent_anonymous", self._page_lang, email=submission.form.email)
        self.topic = submission.form.topic
        self.form_key += 1
