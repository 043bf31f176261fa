"""`/account`: personal details, sign-in email, payment method and addresses."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import section_card
from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.text import tr
from nomos_portal.states.account import AccountState


def result_callout(message: rx.Var, is_error: rx.Var, callout_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, color_scheme=rx.cond(is_error, "red", "green"), role="alert", id=callout_id),
    )


def controlled_input(label_key: str, field: str, value: rx.Var, **props) -> rx.Component:
    """A labelled input whose value lives in `AccountState.<field>`."""
    return rx.vstack(
        rx.el.label(tr(label_key), html_for=field),
        rx.input(id=field, value=value, on_change=lambda text: AccountState.edit(field, text), **props),
        spacing="1",
        width="100%",
    )


def details_card() -> rx.Component:
    return section_card(
        "account.details",
        rx.radio_group.root(
            rx.hstack(
                rx.radio_group.item(tr("account.type.person"), value="person", id="type-person"),
                rx.radio_group.item(tr("account.type.company"), value="company", id="type-company"),
                spacing="4",
            ),
            value=AccountState.customer_type,
            on_change=lambda value: AccountState.edit("customer_type", value),
        ),
        rx.cond(
            AccountState.customer_type == "company",
            rx.vstack(
                controlled_input("account.company_name", "company_name", AccountState.company_name, max_length=200),
                controlled_input("account.vat_id", "vat_id", AccountState.vat_id, max_length=20),
                width="100%",
            ),
        ),
        rx.hstack(
            controlled_input("account.first_name", "first_name", AccountState.first_name, max_length=100),
            controlled_input("account.last_name", "last_name", AccountState.last_name, max_length=100),
            width="100%",
        ),
        controlled_input("account.phone", "phone", AccountState.phone, max_length=40, type="tel"),
        result_callout(AccountState.details_message, AccountState.details_message_is_error, "details-message"),
        rx.button(tr("account.save"), on_click=AccountState.save_details, id="save-details"),
        spacing="3",
    )


def email_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(tr("account.new_email"), html_for="new_email"),
            rx.input(id="new_email", name="new_email", type="email", max_length=254),
            rx.button(tr("account.send_code"), type="submit", id="request-email-change"),
            spacing="2",
            width="100%",
        ),
        on_submit=AccountState.request_email_change,
        reset_on_submit=False,
        no_validate=True,
    )


def email_code_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(tr("account.email_code"), html_for="email_code"),
            rx.input(
                id="email_code", name="email_code", input_mode="numeric", max_length=6, auto_complete="one-time-code"
            ),
            rx.hstack(
                rx.button(tr("account.confirm_email"), type="submit", id="confirm-email-change"),
                rx.button(tr("tariff.back"), type="button", variant="soft", on_click=AccountState.cancel_email_change),
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=AccountState.confirm_email_change,
        reset_on_submit=True,
        no_validate=True,
    )


def email_card() -> rx.Component:
    return section_card(
        "account.email",
        rx.text(tr("account.current_email"), " ", rx.text.strong(AccountState.email, id="current-email")),
        result_callout(AccountState.email_message, AccountState.email_message_is_error, "email-message"),
        rx.cond(AccountState.email_step == "code", email_code_form(), email_form()),
        spacing="3",
    )


def payment_form() -> rx.Component:
    sepa_fields = rx.vstack(
        rx.el.label(tr("account.account_holder"), html_for="account_holder"),
        rx.input(id="account_holder", name="account_holder", max_length=100, default_value=AccountState.customer_name),
        rx.el.label(tr("account.iban"), html_for="iban"),
        rx.input(
            id="iban", name="iban", max_length=42, auto_complete="off", placeholder="DE.. .... .... .... .... ..."
        ),
        rx.text(AccountState.mandate_text, size="2", id="mandate-text"),
        rx.el.label(
            rx.hstack(rx.checkbox(name="mandate", id="mandate"), rx.text(tr("account.mandate_accept")), align="center"),
            html_for="mandate",
        ),
        spacing="2",
        width="100%",
    )
    return rx.form(
        rx.vstack(
            rx.cond(
                AccountState.allows_bank_transfer,
                rx.radio_group.root(
                    rx.hstack(
                        rx.radio_group.item(tr("account.type.sepa_debit"), value="sepa_debit", id="pay-sepa"),
                        rx.radio_group.item(tr("account.type.bank_transfer"), value="bank_transfer", id="pay-transfer"),
                        spacing="4",
                    ),
                    value=AccountState.payment_choice,
                    on_change=lambda value: AccountState.edit("payment_choice", value),
                ),
            ),
            rx.cond(AccountState.payment_choice == "sepa_debit", sepa_fields),
            result_callout(AccountState.payment_message, AccountState.payment_message_is_error, "payment-message"),
            rx.button(tr("account.save_payment"), type="submit", id="save-payment"),
            spacing="3",
            width="100%",
        ),
        on_submit=AccountState.save_payment,
        reset_on_submit=False,
        no_validate=True,
        key=AccountState.payment_form_version,
    )


def payment_card() -> rx.Component:
    return section_card(
        "account.payment",
        rx.text(tr("account.per_contract"), " ", rx.text.strong(AccountState.subscription_number), size="2"),
        rx.data_list.root(
            rx.foreach(
                AccountState.payment_rows,
                lambda row: rx.data_list.item(
                    rx.data_list.label(row[0], min_width="10rem"), rx.data_list.value(row[1])
                ),
            ),
            id="payment-facts",
        ),
        rx.text(tr("account.change_payment"), weight="bold"),
        payment_form(),
        spacing="3",
    )


def addresses_card() -> rx.Component:
    return section_card(
        "account.addresses",
        rx.text(tr("account.delivery_address"), weight="bold"),
        rx.text(AccountState.delivery_address, id="delivery-address"),
        rx.text(
            tr("account.delivery_address_note"),
            " ",
            rx.link(tr("account.contact_form"), href="/help/contact"),
            size="2",
            color_scheme="gray",
        ),
        rx.text(tr("account.billing_address"), weight="bold"),
        rx.text(tr("account.billing_address_hint"), size="2", color_scheme="gray"),
        controlled_input("tariff.street", "billing_street", AccountState.billing_street, max_length=100),
        rx.hstack(
            controlled_input(
                "tariff.house_number", "billing_house_number", AccountState.billing_house_number, max_length=10
            ),
            controlled_input("tariff.zip", "billing_zip", AccountState.billing_zip, max_length=5, input_mode="numeric"),
            width="100%",
        ),
        controlled_input("tariff.city", "billing_city", AccountState.billing_city, max_length=100),
        result_callout(AccountState.billing_message, AccountState.billing_message_is_error, "billing-message"),
        rx.button(tr("account.save"), on_click=AccountState.save_billing_address, id="save-billing"),
        spacing="3",
    )


def account_page() -> rx.Component:
    """Personal details, sign-in email, payment method and addresses."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(tr("account.heading"), size="7", as_="h1"),
                rx.grid(
                    details_card(),
                    email_card(),
                    payment_card(),
                    addresses_card(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                spacing="5",
            )
        )
    )
