"""`/account`: personal details, sign-in email, payment method and addresses."""

from __future__ import annotations

import logging
import math

import reflex as rx

from nomos_portal import clock, i18n
from nomos_portal.db import open_session
from nomos_portal.models import Customer, Plan
from nomos_portal.services import account, contracts, mail, sign_in
from nomos_portal.settings import get_settings
from nomos_portal.states.auth import AuthState, display_name
from nomos_portal.states.portal import PageLanguage

logger = logging.getLogger(__name__)

# Longest value `edit` keeps: above every field's maximum (200 for a company name). A longer
# entry is cut for display but marked, so saving rejects it instead of storing its beginning.
MAX_EDIT_LENGTH = 1000
# Fields of the controlled inputs that `edit` may set.
EDITABLE_FIELDS = (
    "customer_type",
    "first_name",
    "last_name",
    "company_name",
    "vat_id",
    "phone",
    "billing_street",
    "billing_house_number",
    "billing_zip",
    "billing_city",
    "payment_choice",
)


class AccountState(PageLanguage, AuthState):
    """Form values and results of the account page; the full IBAN is never kept in state."""

    customer_type: str = "person"
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    vat_id: str = ""
    phone: str = ""
    email: str = ""
    details_message_key: str = ""
    details_message_is_error: bool = False

    # Email change: "form", then "code" once a code went to `pending_email`.
    email_step: str = "form"
    pending_email: str = ""
    email_message_key: str = ""
    email_message_params: dict[str, str] = {}
    email_message_is_error: bool = False

    subscription_number: str = ""
    payment_rows: list[list[str]] = []
    payment_choice: str = "sepa_debit"
    allows_bank_transfer: bool = False
    creditor_id: str = ""
    next_mandate_reference: str = ""
    # Changes after each saved payment method, so the form remounts with an empty IBAN field.
    payment_form_version: int = 0
    payment_message_key: str = ""
    payment_message_is_error: bool = False

    delivery_address: str = ""
    billing_street: str = ""
    billing_house_number: str = ""
    billing_zip: str = ""
    billing_city: str = ""
    billing_message_key: str = ""
    billing_message_is_error: bool = False
    # Fields whose last entry was longer than MAX_EDIT_LENGTH and was cut by `edit`.
    _overlong_fields: list[str] = []
    # A copy of the org's name, so the mandate text reads no parent state.
    _org_name: str = ""

    @rx.var
    def details_message(self) -> str:
        """Result or error of the personal details form in the UI language."""
        return i18n.translate(self.details_message_key, self._page_lang) if self.details_message_key else ""

    @rx.var
    def email_message(self) -> str:
        """Result or error of the email change in the UI language."""
        if not self.email_message_key:
            return ""
        return i18n.translate(self.email_message_key, self._page_lang, **self.email_message_params)

    @rx.var
    def payment_message(self) -> str:
        """Result or error of the payment form in the UI language."""
        return i18n.translate(self.payment_message_key, self._page_lang) if self.payment_message_key else ""

    @rx.var
    def billing_message(self) -> str:
        """Result or error of the billing address form in the UI language."""
        return i18n.translate(self.billing_message_key, self._page_lang) if self.billing_message_key else ""

    @rx.var
    def mandate_text(self) -> str:
        """The SEPA mandate the customer accepts, naming the org, creditor id and mandate reference."""
        return i18n.translate(
            "account.mandate_text",
            self._page_lang,
            org=self._org_name,
            creditor_id=self.creditor_id or "–",
            reference=self.next_mandate_reference,
        )

    def _context(self, session):
        subscription, plan = self._owned_subscription_and_plan(session)
        customer = session.get(Customer, subscription.customer_id)
        assert customer is not None
        return plan, customer, subscription

    @rx.event
    def load(self):
        """Check the session and fill the forms with the stored values."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            return redirect
        self.details_message_key = ""
        self.email_message_key = ""
        self.payment_message_key = ""
        self.billing_message_key = ""
        self.email_step = "form"
        self._org_name = self.org_name
        self._refresh()

    def _refresh(self) -> None:
        self._overlong_fields = []
        with open_session() as session:
            plan, customer, subscription = self._context(session)
            self.customer_type = customer.type
            self.first_name = customer.first_name
            self.last_name = customer.last_name
            self.company_name = customer.company_name
            self.vat_id = customer.vat_id
            self.phone = customer.phone
            self.email = customer.email
            self.customer_name = display_name(customer)

            self.subscription_number = subscription.number
            self.delivery_address = (
                f"{subscription.address_street} {subscription.address_house_number}, "
                f"{subscription.address_zip} {subscription.address_city}"
            )
            billing = account.billing_address(subscription)
            self.billing_street = billing.street
            self.billing_house_number = billing.house_number
            self.billing_zip = billing.zip
            self.billing_city = billing.city

            summary = account.summarize_payment(
                account.current_payment_method(session, subscription_id=subscription.id)
            )
            self.allows_bank_transfer = plan.allows_bank_transfer
            self.creditor_id = account.creditor_id(session, plan=plan)
            self.next_mandate_reference = account.next_mandate_reference(session, subscription=subscription)
        self.payment_choice = summary.type if summary is not None else "sepa_debit"
        self.payment_rows = self._payment_rows(summary)

    def _payment_rows(self, summary: account.PaymentSummary | None) -> list[list[str]]:
        lang = self._page_lang
        if summary is None:
            return [[i18n.translate("account.payment_type", lang), i18n.translate("account.no_payment_method", lang)]]
        rows = [[i18n.translate("account.payment_type", lang), i18n.translate(f"account.type.{summary.type}", lang)]]
        if summary.type == "sepa_debit":
            rows += [
                [i18n.translate("account.account_holder", lang), summary.account_holder],
                [i18n.translate("account.iban", lang), summary.iban_masked],
                [i18n.translate("account.bank", lang), summary.bank_name or "–"],
                [i18n.translate("account.bic", lang), summary.bic or "–"],
                [i18n.translate("account.mandate_reference", lang), summary.mandate_reference or "–"],
            ]
            if summary.mandate_signed_at is not None:
                rows.append(
                    [
                        i18n.translate("account.mandate_date", lang),
                        i18n.format_day(summary.mandate_signed_at, lang),
                    ]
                )
        return rows

    @rx.event
    def edit(self, field: str, value: str):
        """Keep a controlled input's value, remembering whether it had to be cut."""
        if field not in EDITABLE_FIELDS:
            return
        text = str(value)
        setattr(self, field, text[:MAX_EDIT_LENGTH])
        overlong = [name for name in self._overlong_fields if name != field]
        self._overlong_fields = [*overlong, field] if len(text) > MAX_EDIT_LENGTH else overlong

    def _first_overlong(self, fields: tuple[str, ...]) -> str | None:
        """The first of these fields whose entry `edit` had to cut."""
        return next((field for field in fields if field in self._overlong_fields), None)

    # -- personal details ---------------------------------------------------------

    @rx.event
    def save_details(self):
        """Validate and store the personal details."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        # The customer type and payment choice need no mark: a cut value is no known type either.
        overlong = self._first_overlong(("first_name", "last_name", "company_name", "vat_id", "phone"))
        if overlong is not None:
            self.details_message_key = f"account_error.invalid_{overlong}"
            self.details_message_is_error = True
            return
        details = account.PersonalDetails(
            type=self.customer_type,
            first_name=self.first_name,
            last_name=self.last_name,
            company_name=self.company_name,
            vat_id=self.vat_id,
            phone=self.phone,
        )
        try:
            with open_session() as session:
                plan, customer, _subscription = self._context(session)
                changed = account.update_personal_details(
                    session, plan=plan, customer=customer, details=details, now=clock.now()
                )
        except account.AccountError as error:
            self.details_message_key = f"account_error.{error.code}"
            self.details_message_is_error = True
            return
        self.details_message_key = "account.details_saved" if changed else "account.nothing_changed"
        self.details_message_is_error = False
        self._refresh()

    # -- sign-in email --------------------------------------------------------------

    def _show_email(self, key: str, *, error: bool, **params: object) -> None:
        self.email_message_key = key
        self.email_message_is_error = error
        self.email_message_params = {name: str(value) for name, value in params.items()}

    def _show_sign_in_error(self, error: sign_in.SignInError) -> None:
        if isinstance(error, sign_in.ResendTooSoonError):
            self._show_email("error.resend_too_soon", error=True, seconds=math.ceil(error.retry_after.total_seconds()))
        elif isinstance(error, sign_in.TooManyCodesError):
            minutes = math.ceil(error.retry_after.total_seconds() / 60)
            self._show_email("error.too_many_codes", error=True, minutes=minutes)
        elif isinstance(error, sign_in.WrongCodeError):
            self._show_email("error.wrong_code", error=True, attempts=error.attempts_left)
        else:
            self._show_email(f"error.{error.code}", error=True)

    @rx.event
    def request_email_change(self, form_data: dict):
        """Send a confirmation code to the new email; the stored email stays until it is entered."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        settings = get_settings()
        try:
            with open_session() as session:
                plan, customer, _subscription = self._context(session)
                new_email, code = account.request_email_change(
                    session,
                    plan=plan,
                    customer=customer,
                    new_email=str(form_data.get("new_email", "")),
                    secret_key=settings.secret_key,
                    now=clock.now(),
                )
                language = customer.locale
        except account.AccountError as error:
            self._show_email(f"account_error.{error.code}", error=True)
            return
        except sign_in.SignInError as error:
            self._show_sign_in_error(error)
            return
        message = mail.build_notice_mail(
            to=new_email,
            subject=i18n.translate("mail.email_change.subject", language, org=self.org_name),
            paragraphs=[
                i18n.translate("mail.email_change.body", language, org=self.org_name),
                code,
                i18n.translate("mail.sign_in.validity", language),
                i18n.translate("mail.email_change.ignore", language),
            ],
            org_name=self.org_name,
            primary_color=plan.color_primary,
            language=language,
        )
        try:
            mail.send_mail(message, settings)
        except (mail.MailDeliveryError, OSError):
            logger.exception("Email change code for customer %s could not be sent", self._customer_id)
            self._show_email("error.mail_failed", error=True)
            return
        self.pending_email = new_email
        self.email_step = "code"
        self._show_email("account.code_sent", error=False, email=new_email)

    @rx.event
    def confirm_email_change(self, form_data: dict):
        """Change the sign-in email once the emailed code is entered, and notify the old address."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        settings = get_settings()
        try:
            with open_session() as session:
                plan, customer, _subscription = self._context(session)
                old_email, new_email = account.confirm_email_change(
                    session,
                    plan=plan,
                    customer=customer,
                    code=str(form_data.get("email_code", "")),
                    secret_key=settings.secret_key,
                    now=clock.now(),
                )
                language = customer.locale
        except account.AccountError as error:
            self._show_email(f"account_error.{error.code}", error=True)
            return
        except sign_in.SignInError as error:
            self._show_sign_in_error(error)
            return
        self._notify_old_address(old_email, new_email, language, plan)
        self.email_step = "form"
        self.pending_email = ""
        self._show_email("account.email_changed", error=False, email=new_email)
        self._refresh()

    def _notify_old_address(self, old_email: str, new_email: str, language: str, plan: Plan) -> None:
        message = mail.build_notice_mail(
            to=old_email,
            subject=i18n.translate("mail.email_changed.subject", language, org=self.org_name),
            paragraphs=[
                i18n.translate("mail.email_changed.body", language, org=self.org_name, email=new_email),
                i18n.translate("mail.email_changed.not_you", language),
            ],
            org_name=self.org_name,
            primary_color=plan.color_primary,
            language=language,
        )
        try:
            mail.send_mail(message, get_settings())
        except (mail.MailDeliveryError, OSError):
            logger.exception("Email change notice for customer %s could not be sent", self._customer_id)

    @rx.event
    def cancel_email_change(self):
        """Go back to the email form without changing anything."""
        self.email_step = "form"
        self.pending_email = ""
        self.email_message_key = ""

    # -- payment method -------------------------------------------------------------

    @rx.event
    def save_payment(self, form_data: dict):
        """Validate and store a new payment method; the IBAN is never kept in state or logged."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        try:
            with open_session() as session:
                plan, _customer, subscription = self._context(session)
                account.change_payment_method(
                    session,
                    plan=plan,
                    subscription=subscription,
                    payment_type=self.payment_choice,
                    account_holder=str(form_data.get("account_holder", "")),
                    iban=str(form_data.get("iban", "")),
                    mandate_accepted=bool(form_data.get("mandate")),
                    secret_key=get_settings().secret_key,
                    now=clock.now(),
                )
        except account.AccountError as error:
            self.payment_message_key = f"account_error.{error.code}"
            self.payment_message_is_error = True
            return
        self.payment_message_key = "account.payment_saved"
        self.payment_message_is_error = False
        self.payment_form_version += 1
        self._refresh()

    # -- billing address ------------------------------------------------------------

    @rx.event
    def save_billing_address(self):
        """Validate and store the billing address of the current subscription."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        overlong = self._first_overlong(("billing_street", "billing_house_number", "billing_zip", "billing_city"))
        if overlong is not None:
            self.billing_message_key = f"contract_error.invalid_{overlong.removeprefix('billing_')}"
            self.billing_message_is_error = True
            return
        address = contracts.NewAddress(
            self.billing_street, self.billing_house_number, self.billing_zip, self.billing_city
        )
        try:
            with open_session() as session:
                plan, _customer, subscription = self._context(session)
                changed = account.update_billing_address(
                    session, plan=plan, subscription=subscription, address=address, now=clock.now()
                )
        except contracts.ContractError as error:
            self.billing_message_key = f"contract_error.{error.code}"
            self.billing_message_is_error = True
            return
        self.billing_message_key = "account.billing_saved" if changed else "account.nothing_changed"
        self.billing_message_is_error = False
        self._refresh()
