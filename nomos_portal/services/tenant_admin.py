"""Create and update orgs and plans for operators, with the same checks the portal relies on."""

from __future__ import annotations

import dataclasses
import logging
import re
import urllib.parse
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlmodel import Session, select

from nomos_portal.models import Org, Plan
from nomos_portal.services import branding
from nomos_portal.services.sign_in import InvalidEmailError, validate_email
from nomos_portal.services.tenancy import forget_cached_plans, is_valid_slug
from nomos_portal.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

ASSETS_DIR = PROJECT_ROOT / "assets"
# WCAG 2.1: 3:1 for user interface components against adjacent colours (1.4.11), 4.5:1 for normal text (1.4.3).
MIN_COMPONENT_CONTRAST = 3.0
MIN_TEXT_CONTRAST = branding.MIN_TEXT_CONTRAST


class TenantAdminError(ValueError):
    """Raised for an org or plan change that cannot be made; nothing was written."""


@dataclasses.dataclass(frozen=True)
class OrgChanges:
    """Values to set on an org; None keeps the stored value (or the default on creation)."""

    logo: str | None = None
    support_email: str | None = None
    support_phone: str | None = None
    support_hours: str | None = None
    support_url: str | None = None
    address_street: str | None = None
    address_zip: str | None = None
    address_city: str | None = None
    vat_id: str | None = None
    creditor_id: str | None = None


@dataclasses.dataclass(frozen=True)
class PlanChanges:
    """Values to set on a plan; None keeps the stored value (or the default on creation)."""

    org_name: str | None = None
    name: str | None = None
    description: str | None = None
    primary: str | None = None
    accent: str | None = None
    surface: str | None = None
    font_family: str | None = None
    font_url: str | None = None
    monthly_fee: str | None = None
    margin_ct: str | None = None


# -- checks ---------------------------------------------------------------------


def _check_length(label: str, value: str, maximum: int) -> str:
    value = value.strip()
    if len(value) > maximum:
        msg = f"{label} is {len(value)} characters long; the maximum is {maximum}."
        raise TenantAdminError(msg)
    if any(ord(ch) < 32 for ch in value):
        msg = f"{label} contains control characters; remove line breaks and tabs."
        raise TenantAdminError(msg)
    return value


def _is_https_url(value: str) -> bool:
    parts = urllib.parse.urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname) and " " not in value


def check_asset_or_https(label: str, value: str, *, assets_dir: Path = ASSETS_DIR) -> str:
    """Check an https URL or a file under the assets folder and return the form to store.

    A file is given as its URL path ("/brands/acme.svg") or as a path to it
    ("assets/brands/acme.svg"); both are stored as the URL path.

    Raises:
        TenantAdminError: Neither an https URL nor an existing file under the assets folder.
    """
    value = _check_length(label, value, 500)
    if value.startswith("https://"):
        if not _is_https_url(value):
            msg = f"{label} {value!r} is not a valid https URL."
            raise TenantAdminError(msg)
        return value
    if "://" in value:
        msg = f"{label} {value!r} must use https, or be a file under {assets_dir}."
        raise TenantAdminError(msg)
    relative = value.removeprefix("/")
    if relative.startswith("assets/"):
        relative = relative.removeprefix("assets/")
    candidate = (assets_dir / relative).resolve()
    if not candidate.is_relative_to(assets_dir.resolve()) or not candidate.is_file():
        msg = f"{label} {value!r} is neither an https URL nor a file under {assets_dir}; copy the file there first."
        raise TenantAdminError(msg)
    return "/" + candidate.relative_to(assets_dir.resolve()).as_posix()


def check_email(label: str, value: str) -> str:
    """Normalise an email address or raise TenantAdminError naming the option."""
    try:
        return validate_email(value)
    except InvalidEmailError:
        msg = f"{label} {value!r} is not a valid email address."
        raise TenantAdminError(msg) from None


def check_zip(label: str, value: str) -> str:
    """Check a German postcode (five digits); empty clears it."""
    value = value.strip()
    if value and not re.fullmatch(r"[0-9]{5}", value):
        msg = f"{label} {value!r} is not a German postcode of five digits."
        raise TenantAdminError(msg)
    return value


def check_vat_id(label: str, value: str) -> str:
    """Check a VAT identification number: a country code and 2 to 13 letters or digits; empty clears it."""
    value = value.strip().replace(" ", "").upper()
    if value and not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2,13}", value):
        msg = f"{label} {value!r} is not a VAT id such as DE123456789."
        raise TenantAdminError(msg)
    if value.startswith("DE") and not re.fullmatch(r"DE[0-9]{9}", value):
        msg = f"{label} {value!r}: a German VAT id is DE followed by nine digits."
        raise TenantAdminError(msg)
    return value


def check_creditor_id(label: str, value: str) -> str:
    """Check a SEPA creditor identifier (Gläubiger-ID) by its ISO 7064 MOD 97-10 check digits; empty clears it.

    The identifier is a country code, two check digits, a three-character business
    code that the check ignores, and the national identifier.
    """
    value = value.strip().replace(" ", "").upper()
    if not value:
        return value
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[0-9A-Z]{3}[0-9A-Z]{1,28}", value):
        msg = f"{label} {value!r} is not a SEPA creditor id such as DE98ZZZ09999999999."
        raise TenantAdminError(msg)
    rearranged = value[7:] + value[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    if int(digits) % 97 != 1:
        msg = f"{label} {value!r} has wrong check digits; copy it again from the Bundesbank's letter."
        raise TenantAdminError(msg)
    return value


def check_color(label: str, value: str) -> str:
    """Check a "#rrggbb" colour and return it in lower case."""
    try:
        branding.parse_hex(value.strip())
    except branding.InvalidColorError as error:
        raise TenantAdminError(f"{label}: {error}") from None
    return value.strip().lower()


def check_amount(label: str, value: str, *, places: int, unit: str) -> Decimal:
    """Parse a non-negative amount with at most `places` decimals; a decimal comma is accepted."""
    text = value.strip().replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -places:
        msg = f"{label} {value!r} is not a non-negative amount in {unit} with at most {places} decimals."
        raise TenantAdminError(msg)
    return amount


def contrast_warnings(*, primary: str, accent: str, surface: str) -> list[str]:
    """List the brand colour pairs that fall short of WCAG contrast on the page background.

    Buttons and text on the brand colours get black or white automatically, so
    only the colours drawn directly on the surface can be hard to see.
    """
    warnings = []
    primary_ratio = branding.contrast_ratio(primary, surface)
    if primary_ratio < MIN_COMPONENT_CONTRAST:
        warnings.append(
            f"primary {primary} on surface {surface} has contrast {primary_ratio:.2f}:1, below "
            f"{MIN_COMPONENT_CONTRAST:.0f}:1 for buttons and charts; links are darkened to "
            f"{branding.readable_on(primary, surface)}. Choose colours further apart in lightness."
        )
    accent_ratio = branding.contrast_ratio(accent, surface)
    if accent_ratio < MIN_TEXT_CONTRAST:
        warnings.append(
            f"accent {accent} as text on surface {surface} has contrast {accent_ratio:.2f}:1, below "
            f"{MIN_TEXT_CONTRAST}:1 for text. Choose a darker accent, e.g. {branding.readable_on(accent, surface)}."
        )
    return warnings


# -- orgs -----------------------------------------------------------------------


def find_org(session: Session, *, name: str) -> Org | None:
    """Load the org with this exact name, or None."""
    return session.exec(select(Org).where(Org.name == name.strip())).first()


def save_org(session: Session, *, name: str, changes: OrgChanges, create_only: bool = False) -> tuple[Org, bool]:
    """Create an org or update the one with this name.

    Returns:
        The org and whether it was created.

    Raises:
        TenantAdminError: A value is invalid, a required value for a new org is
            missing, or the org exists and `create_only` is set.
    """
    name = _check_length("--name", name, 120)
    if not name:
        raise TenantAdminError("--name is empty; give the supplier's name, e.g. --name Acme.")
    org = find_org(session, name=name)
    created = org is None
    if org is not None and create_only:
        msg = f"An org named {name!r} already exists (id {org.id}); leave out --create-only to update it."
        raise TenantAdminError(msg)
    if org is None:
        missing = [
            option
            for option, value in (("--logo", changes.logo), ("--support-email", changes.support_email))
            if not value
        ]
        if missing:
            msg = f"A new org needs {' and '.join(missing)}."
            raise TenantAdminError(msg)
        org = Org(name=name, logo="", support_email="")

    if changes.logo is not None:
        org.logo = check_asset_or_https("--logo", changes.logo)
    if changes.support_email is not None:
        org.support_email = check_email("--support-email", changes.support_email)
    if changes.support_phone is not None:
        org.support_phone = _check_length("--support-phone", changes.support_phone, 40)
    if changes.support_hours is not None:
        org.support_hours = _check_length("--support-hours", changes.support_hours, 200)
    if changes.support_url is not None:
        url = _check_length("--support-url", changes.support_url, 500)
        if url and not _is_https_url(url):
            msg = f"--support-url {url!r} is not an https URL."
            raise TenantAdminError(msg)
        org.support_url = url
    if changes.address_street is not None:
        org.address_street = _check_length("--address-street", changes.address_street, 120)
    if changes.address_zip is not None:
        org.address_zip = check_zip("--address-zip", changes.address_zip)
    if changes.address_city is not None:
        org.address_city = _check_length("--address-city", changes.address_city, 80)
    if changes.vat_id is not None:
        org.vat_id = check_vat_id("--vat-id", changes.vat_id)
    if changes.creditor_id is not None:
        org.sepa_creditor_id = check_creditor_id("--creditor-id", changes.creditor_id)

    session.add(org)
    session.commit()
    forget_cached_plans()
    logger.info("Org %s %s", org.id, "created" if created else "updated")
    return org, created


# -- plans ----------------------------------------------------------------------


def save_plan(session: Session, *, slug: str, changes: PlanChanges, create: bool) -> tuple[Plan, list[str]]:
    """Create a plan (`create=True`) or update an existing one, and check its colours.

    Returns:
        The plan and the contrast warnings for its colours.

    Raises:
        TenantAdminError: Invalid slug or value, a duplicate slug on create, an
            unknown slug on update, an unknown org, or a missing required value.
    """
    slug = slug.strip()
    if not is_valid_slug(slug):
        msg = (
            f"--slug {slug!r} is not a valid DNS label: use 1 to 63 lower-case letters, digits and inner "
            "hyphens, e.g. acme-power."
        )
        raise TenantAdminError(msg)
    plan = session.exec(select(Plan).where(Plan.slug == slug)).first()
    if create and plan is not None:
        msg = f"A plan with slug {slug!r} already exists (id {plan.id}); use `plan update` to change it."
        raise TenantAdminError(msg)
    if not create and plan is None:
        msg = f"No plan has slug {slug!r}; use `plan create` to add it."
        raise TenantAdminError(msg)

    if plan is None:
        required = {
            "--org": changes.org_name,
            "--name": changes.name,
            "--primary": changes.primary,
            "--accent": changes.accent,
            "--surface": changes.surface,
            "--font-family": changes.font_family,
        }
        missing = [option for option, value in required.items() if not value]
        if missing:
            msg = f"A new plan needs {', '.join(missing)}."
            raise TenantAdminError(msg)
        plan = Plan(org_id=0, name="", slug=slug, color_primary="", color_accent="", color_surface="", font_family="")

    if changes.org_name is not None:
        org = find_org(session, name=changes.org_name)
        if org is None:
            msg = f"No org is named {changes.org_name!r}; create it first with the `org` command."
            raise TenantAdminError(msg)
        if plan.id is not None and plan.org_id != org.id:
            msg = f"Plan {slug!r} belongs to another org; a plan cannot move between orgs, because its customers stay."
            raise TenantAdminError(msg)
        assert org.id is not None
        plan.org_id = org.id
    if changes.name is not None:
        plan.name = _check_length("--name", changes.name, 120)
        if not plan.name:
            raise TenantAdminError("--name is empty; give the plan's name as customers see it.")
    if changes.description is not None:
        plan.description = _check_length("--description", changes.description, 1000)
    if changes.primary is not None:
        plan.color_primary = check_color("--primary", changes.primary)
    if changes.accent is not None:
        plan.color_accent = check_color("--accent", changes.accent)
    if changes.surface is not None:
        plan.color_surface = check_color("--surface", changes.surface)
    if changes.font_family is not None:
        family = _check_length("--font-family", changes.font_family, 100)
        if not family or any(ch in family for ch in "\"';{}"):
            msg = f"--font-family {changes.font_family!r} must be a font name without quotes, semicolons or braces."
            raise TenantAdminError(msg)
        plan.font_family = family
    if changes.font_url is not None:
        plan.font_stylesheet_url = (
            check_asset_or_https("--font-url", changes.font_url) if changes.font_url.strip() else ""
        )
    if changes.monthly_fee is not None:
        plan.price = check_amount("--monthly-fee", changes.monthly_fee, places=2, unit="EUR")
    if changes.margin_ct is not None:
        plan.procurement_margin_ct_per_kwh = check_amount("--margin-ct", changes.margin_ct, places=4, unit="ct/kWh")

    warnings = contrast_warnings(primary=plan.color_primary, accent=plan.color_accent, surface=plan.color_surface)
    session.add(plan)
    session.commit()
    forget_cached_plans()
    logger.info("Plan %s (%s) %s", plan.id, plan.slug, "created" if create else "updated")
    return plan, warnings
