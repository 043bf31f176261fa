import dataclasses
import datetime

import pytest
from sqlmodel import Session, select

from nomos_portal.models import AuditLogEntry, Customer, EmailChangeCode, Org, PaymentMethod, Subscription
from nomos_portal.services import account, contracts, crypto, sign_in
from tests.conftest import TEST_SECRET_KEY

# Later than the seeded rows, which carry the time the test database was built.
NOW = datetime.datetime(2027, 6, 1, 9, 0, tzinfo=datetime.UTC)
VALID_IBAN = "DE89370400440532013000"


def jonas(session: Session) -> tuple[Customer, Subscription]:
    customer = session.exec(select(Customer).where(Customer.email == "jonas.becker@example.com")).one()
    subscription = session.exec(select(Subscription).where(Subscription.number == "ACME-100003")).one()
    return customer, subscription


def person(**changes) -> account.PersonalDetails:
    details = account.PersonalDetails(
        type="person", first_name="Jonas", last_name="Becker", company_name="", vat_id="", phone=""
    )
    return dataclasses.replace(details, **changes)


def change_to_sepa(session, plan, subscription, *, iban=VALID_IBAN, accepted=True, now=NOW):
    return account.change_payment_method(
        session,
        plan=plan,
        subscription=subscription,
        payment_type="sepa_debit",
        account_holder="Jonas Becker",
        iban=iban,
        mandate_accepted=accepted,
        secret_key=TEST_SECRET_KEY,
        now=now,
    )


def test_iban_spaces_and_lower_case_normalised():
    parsed = account.validate_iban(" de89 3704 0044 0532 0130 00 ")
    assert parsed.compact == VALID_IBAN
    assert str(parsed.bic) == "COBADEFFXXX"


@pytest.mark.parametrize(
    ("text", "compact"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("at61 1904 3002 3457 3201", "AT611904300234573201"),
        ("NL91ABNA0417164300", "NL91ABNA0417164300"),
    ],
)
def test_iban_valid_in_several_countries(text, compact):
    assert account.validate_iban(text).compact == compact


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("DE88370400440532013000", "iban_checksum"),
        ("DE8937040044053201300", "iban_length"),
        ("XX89370400440532013000", "iban_country"),
        ("", "iban_missing"),
    ],
)
def test_iban_rejected_with_code(text, code):
    with pytest.raises(account.AccountError) as caught:
        account.validate_iban(text)
    assert caught.value.code == code


def test_masked_iban_display():
    assert crypto.mask_iban(VALID_IBAN) == "DE89 **** **** **** **30 00"


def test_sepa_change_stores_iban_encrypted(session, acme):
    _customer, subscription = jonas(session)
    method = change_to_sepa(session, acme, subscription, iban="de89 3704 0044 0532 0130 00")
    stored = session.get(PaymentMethod, method.id)
    assert stored.iban_encrypted != VALID_IBAN
    assert VALID_IBAN not in stored.iban_encrypted
    assert crypto.decrypt(stored.iban_encrypted, secret_key=TEST_SECRET_KEY) == VALID_IBAN
    assert stored.iban_masked == "DE89 **** **** **** **30 00"
    assert stored.bank_name == "Commerzbank"
    assert stored.bic == "COBADEFFXXX"


def test_mandate_replacement_keeps_history(session, acme):
    _customer, subscription = jonas(session)
    seeded = account.current_payment_method(session, subscription_id=subscription.id)
    first = change_to_sepa(session, acme, subscription)
    second = change_to_sepa(
        session, acme, subscription, iban="DE02120300000000202051", now=NOW + datetime.timedelta(days=1)
    )

    history = account.payment_history(session, subscription_id=subscription.id)
    assert [method.id for method in history] == [seeded.id, first.id, second.id]
    session.refresh(first)
    assert first.replaced_at is not None
    assert seeded.replaced_at is not None
    assert account.current_payment_method(session, subscription_id=subscription.id).id == second.id
    # The seeded mandate is M01; each replacement counts on.
    assert seeded.mandate_reference == "ACME-100003-M01"
    assert first.mandate_reference == "ACME-100003-M02"
    assert second.mandate_reference == "ACME-100003-M03"
    assert second.mandate_signed_at == NOW + datetime.timedelta(days=1)


def test_sepa_without_mandate_changes_nothing(session, acme):
    _customer, subscription = jonas(session)
    before = account.payment_history(session, subscription_id=subscription.id)
    with pytest.raises(account.AccountError) as caught:
        change_to_sepa(session, acme, subscription, accepted=False)
    assert caught.value.code == "mandate_not_accepted"
    assert len(account.payment_history(session, subscription_id=subscription.id)) == len(before)
    assert account.current_payment_method(session, subscription_id=subscription.id).replaced_at is None


def test_bad_iban_changes_nothing(session, acme):
    _customer, subscription = jonas(session)
    before = len(account.payment_history(session, subscription_id=subscription.id))
    with pytest.raises(account.AccountError):
        change_to_sepa(session, acme, subscription, iban="DE00370400440532013000")
    session.rollback()
    assert len(account.payment_history(session, subscription_id=subscription.id)) == before
    assert account.audit_log(session, customer_id=subscription.customer_id) == []


def test_bank_transfer_needs_plan_flag(session, acme, lumio):
    _customer, subscription = jonas(session)
    with pytest.raises(account.AccountError) as caught:
        account.change_payment_method(
            session,
            plan=acme,
            subscription=subscription,
            payment_type="bank_transfer",
            account_holder="",
            iban="",
            mandate_accepted=False,
            secret_key=TEST_SECRET_KEY,
            now=NOW,
        )
    assert caught.value.code == "bank_transfer_not_allowed"
    assert lumio.allows_bank_transfer


def test_audit_log_masks_iban(session, acme):
    customer, subscription = jonas(session)
    change_to_sepa(session, acme, subscription, iban="DE02500105170137075030")
    entries = account.audit_log(session, customer_id=customer.id)
    iban_entry = next(entry for entry in entries if entry.field == "iban")
    assert iban_entry.old_value == "DE02 **** **** **** **20 51"
    assert iban_entry.new_value == "DE02 **** **** **** **50 30"
    assert iban_entry.subscription_id == subscription.id
    assert iban_entry.plan_id == acme.id
    assert iban_entry.created_at == NOW
    for entry in entries:
        assert "DE02500105170137075030" not in entry.old_value + entry.new_value
        assert "0137075030" not in entry.old_value + entry.new_value


def test_email_change_needs_code(session, acme):
    customer, _subscription = jonas(session)
    new_email, code = account.request_email_change(
        session, plan=acme, customer=customer, new_email=" Jonas.New@Example.com ", secret_key=TEST_SECRET_KEY, now=NOW
    )
    assert new_email == "jonas.new@example.com"
    session.refresh(customer)
    assert customer.email == "jonas.becker@example.com"
    row = session.exec(select(EmailChangeCode)).one()
    assert row.code_hash != code
    assert row.expires_at == NOW + datetime.timedelta(minutes=10)

    old, new = account.confirm_email_change(
        session, plan=acme, customer=customer, code=code, secret_key=TEST_SECRET_KEY, now=NOW
    )
    assert (old, new) == ("jonas.becker@example.com", "jonas.new@example.com")
    session.refresh(customer)
    assert customer.email == "jonas.new@example.com"
    entry = session.exec(select(AuditLogEntry).where(AuditLogEntry.field == "email")).one()
    assert (entry.old_value, entry.new_value) == (old, new)


def test_email_change_counts_wrong_codes(session, acme):
    customer, _subscription = jonas(session)
    _new, code = account.request_email_change(
        session, plan=acme, customer=customer, new_email="jonas.new@example.com", secret_key=TEST_SECRET_KEY, now=NOW
    )
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(sign_in.WrongCodeError) as caught:
            account.confirm_email_change(
                session, plan=acme, customer=customer, code=wrong, secret_key=TEST_SECRET_KEY, now=NOW
            )
        assert caught.value.attempts_left == left
    with pytest.raises(sign_in.CodeLockedError):
        account.confirm_email_change(
            session, plan=acme, customer=customer, code=wrong, secret_key=TEST_SECRET_KEY, now=NOW
        )
    with pytest.raises(sign_in.CodeLockedError):
        account.confirm_email_change(
            session, plan=acme, customer=customer, code=code, secret_key=TEST_SECRET_KEY, now=NOW
        )
    session.refresh(customer)
    assert customer.email == "jonas.becker@example.com"
    assert session.exec(select(EmailChangeCode)).one().failed_attempts == 5


def test_email_change_code_expires(session, acme):
    customer, _subscription = jonas(session)
    _new, code = account.request_email_change(
        session, plan=acme, customer=customer, new_email="jonas.new@example.com", secret_key=TEST_SECRET_KEY, now=NOW
    )
    with pytest.raises(sign_in.CodeExpiredError):
        account.confirm_email_change(
            session,
            plan=acme,
            customer=customer,
            code=code,
            secret_key=TEST_SECRET_KEY,
            now=NOW + datetime.timedelta(minutes=10),
        )


def test_email_change_rejections(session, acme):
    customer, _subscription = jonas(session)
    with pytest.raises(account.AccountError) as same:
        account.request_email_change(
            session, plan=acme, customer=customer, new_email="JONAS.BECKER@example.com", secret_key="k", now=NOW
        )
    assert same.value.code == "same_email"
    with pytest.raises(account.AccountError) as taken:
        account.request_email_change(
            session, plan=acme, customer=customer, new_email="anna.schmidt@example.com", secret_key="k", now=NOW
        )
    assert taken.value.code == "email_taken"
    with pytest.raises(sign_in.InvalidEmailError):
        account.request_email_change(session, plan=acme, customer=customer, new_email="no-at", secret_key="k", now=NOW)
    account.request_email_change(
        session, plan=acme, customer=customer, new_email="a@example.com", secret_key="k", now=NOW
    )
    with pytest.raises(sign_in.ResendTooSoonError):
        account.request_email_change(
            session, plan=acme, customer=customer, new_email="b@example.com", secret_key="k", now=NOW
        )


def test_personal_details_saved_and_logged(session, acme):
    customer, _subscription = jonas(session)
    changed = account.update_personal_details(
        session, plan=acme, customer=customer, details=person(phone=" +49 30  1234567 "), now=NOW
    )
    assert changed == ["phone"]
    session.refresh(customer)
    assert customer.phone == "+49 30 1234567"
    entry = session.exec(select(AuditLogEntry).where(AuditLogEntry.field == "phone")).one()
    assert entry.customer_id == customer.id
    assert entry.new_value == "+49 30 1234567"


@pytest.mark.parametrize(
    ("details", "code"),
    [
        (person(type="robot"), "invalid_type"),
        (person(first_name=""), "invalid_first_name"),
        (person(last_name="123"), "invalid_last_name"),
        (person(phone="call me"), "invalid_phone"),
        (person(phone="+49"), "invalid_phone"),
        (person(type="company", company_name=""), "invalid_company_name"),
        (person(type="company", company_name="Becker GmbH", vat_id="123456789"), "invalid_vat_id"),
        (person(first_name="Jo\x00nas"), "invalid_control_characters"),
    ],
)
def test_bad_personal_details_change_nothing(session, acme, details, code):
    customer, _subscription = jonas(session)
    with pytest.raises(account.AccountError) as caught:
        account.update_personal_details(session, plan=acme, customer=customer, details=details, now=NOW)
    assert caught.value.code == code
    session.rollback()
    session.refresh(customer)
    assert (customer.type, customer.first_name, customer.last_name, customer.phone) == ("person", "Jonas", "Becker", "")
    assert account.audit_log(session, customer_id=customer.id) == []


def test_company_details_accepted(session, acme):
    customer, _subscription = jonas(session)
    details = person(type="company", company_name="Becker Solar GmbH", vat_id="de 123456789")
    account.update_personal_details(session, plan=acme, customer=customer, details=details, now=NOW)
    session.refresh(customer)
    assert (customer.type, customer.company_name, customer.vat_id) == ("company", "Becker Solar GmbH", "DE123456789")


def test_billing_address_saved_and_logged(session, acme):
    customer, subscription = jonas(session)
    address = contracts.NewAddress(" Hauptstraße ", "7b", "50667", "Köln")
    changed = account.update_billing_address(session, plan=acme, subscription=subscription, address=address, now=NOW)
    assert changed == [
        "billing_address_street",
        "billing_address_house_number",
        "billing_address_zip",
        "billing_address_city",
    ]
    session.refresh(subscription)
    assert account.billing_address(subscription) == contracts.NewAddress("Hauptstraße", "7b", "50667", "Köln")
    fields = [entry.field for entry in account.audit_log(session, customer_id=customer.id)]
    assert fields == changed

    account.update_billing_address(
        session, plan=acme, subscription=subscription, address=contracts.NewAddress("", "", "", ""), now=NOW
    )
    session.refresh(subscription)
    assert account.billing_address(subscription) == contracts.NewAddress("", "", "", "")


@pytest.mark.parametrize(
    ("address", "code"),
    [
        (contracts.NewAddress("Hauptstraße", "7b", "5066", "Köln"), "invalid_zip"),
        (contracts.NewAddress("1", "7b", "50667", "Köln"), "invalid_street"),
        (contracts.NewAddress("Hauptstraße", "7#", "50667", "Köln"), "invalid_house_number"),
        (contracts.NewAddress("Hauptstraße", "7b", "50667", "K0ln"), "invalid_city"),
        (contracts.NewAddress("Hauptstraße", "", "", ""), "invalid_house_number"),
    ],
)
def test_bad_billing_address_changes_nothing(session, acme, address, code):
    customer, subscription = jonas(session)
    with pytest.raises(contracts.ContractError) as caught:
        account.update_billing_address(session, plan=acme, subscription=subscription, address=address, now=NOW)
    assert caught.value.code == code
    session.rollback()
    session.refresh(subscription)
    assert subscription.billing_address_zip == ""
    assert account.audit_log(session, customer_id=customer.id) == []


def test_plan_without_creditor_id_rejects_mandate(session, acme):
    _customer, subscription = jonas(session)
    org_row = session.get(Org, acme.org_id)
    org_row.sepa_creditor_id = ""
    session.add(org_row)
    session.commit()
    with pytest.raises(account.AccountError) as caught:
        change_to_sepa(session, acme, subscription)
    assert caught.value.code == "no_creditor_id"
