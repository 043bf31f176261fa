"""Operator commands: `python -m nomos_portal --help`."""

from __future__ import annotations

import contextlib
import datetime
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlmodel import select

from nomos_portal.settings import PROJECT_ROOT, SettingsError, configure_logging, get_settings


@click.group()
@click.option("--verbose", is_flag=True, help="Log at DEBUG level.")
def main(verbose: bool) -> None:
    """Manage a nomos_portal installation: database, demo data and tenants."""
    try:
        settings = get_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    configure_logging("DEBUG" if verbose else settings.log_level)


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest migration."""
    from alembic.config import Config

    from alembic import command

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    command.upgrade(config, "head")
    click.echo("Database schema is up to date.")


@main.command()
def seed() -> None:
    """Add the demo tenants acme-power and lumio with their customers, meter data and invoices."""
    from nomos_portal import clock
    from nomos_portal.db import open_session
    from nomos_portal.services.seed import (
        seed_demo_data,
        seed_demo_invoices,
        seed_demo_meter_data,
        seed_demo_prices,
    )

    with open_session() as session:
        report = seed_demo_data(session, secret_key=get_settings().secret_key)
        prices = seed_demo_prices(session)
        meter_rows = seed_demo_meter_data(session, now=clock.now())
        invoice_rows = seed_demo_invoices(session, now=clock.now())
    click.echo(
        f"Added {report.orgs} orgs, {report.plans} plans, {report.customers} customers, "
        f"{report.subscriptions} subscriptions, {prices} day-ahead prices, {meter_rows} meter values "
        f"and {invoice_rows} invoices."
    )


@main.command("import-prices")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--time-column", help="Header of the interval-start column; found by name when left out.")
@click.option("--price-column", help="Header of the price column; found by name when left out.")
@click.option(
    "--timezone",
    "naive_time_zone",
    type=click.Choice(["UTC", "Europe/Berlin"]),
    help="Zone of timestamps without offset. Default: UTC if the time column's header names UTC or GMT, else Berlin.",
)
def import_prices(
    files: tuple[Path, ...], time_column: str | None, price_column: str | None, naive_time_zone: str | None
) -> None:
    """Import DE-LU day-ahead prices in EUR/MWh from CSV files.

    Reads the portal's own files (timestamp_utc, price_eur_per_mwh) and public
    exports such as SMARD's and ENTSO-E's: semicolon or comma separated,
    decimal comma or point, hourly or 15-minute rows, times in UTC, with an
    offset, or in Berlin local time. On the autumn DST day a repeated local
    time without offset is read as CEST first and CET the second time.

    Each file is one transaction: a malformed row rejects the whole file, and
    importing the same file again adds nothing.
    """
    from nomos_portal.db import open_session
    from nomos_portal.services.price_formats import parse_price_export
    from nomos_portal.services.spot_prices import PriceImportError, import_prices

    with open_session() as session:
        for path in files:
            try:
                parsed = parse_price_export(
                    _read_text(path),
                    source=path.name,
                    time_column=time_column,
                    price_column=price_column,
                    naive_time_zone=naive_time_zone,
                )
                found = parsed.file_format
                click.echo(
                    f"{path.name}: prices from {found.price_column!r} in {found.unit}, times from "
                    f"{found.time_column!r} (without offset read as {found.naive_time_zone}), "
                    f"decimal {'comma' if found.decimal_comma else 'point'}."
                )
                with _progress(len(parsed.points), f"Importing {path.name}") as advance:
                    report = import_prices(session, points=parsed.points, progress=advance)
            except PriceImportError as error:
                raise click.ClickException(str(error)) from None
            skipped = f", {parsed.skipped_rows} without a price skipped" if parsed.skipped_rows else ""
            click.echo(
                f"{path.name}: {report.rows} rows, {report.added} new, {report.unchanged} already stored{skipped}."
            )


# Imports with more rows than this show a progress bar.
PROGRESS_MIN_ROWS = 2000


@contextlib.contextmanager
def _progress(rows: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """Show a progress bar on stderr for large imports; yields its update function, or None for small ones."""
    if rows < PROGRESS_MIN_ROWS:
        yield None
        return
    with click.progressbar(length=rows, label=label, file=sys.stderr) as bar:
        yield bar.update


def _read_text(path: Path) -> str:
    """Read a CSV file as UTF-8 (with or without byte order mark), else as Windows-1252 as Excel writes it."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _naive_zone(name: str) -> datetime.tzinfo:
    return datetime.UTC if name == "UTC" else ZoneInfo(name)


@main.command("import-customers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_customers_command(file: Path) -> None:
    """Import customers and their subscriptions from a CSV file, one row per subscription.

    \b
    Required columns: plan (slug), email, number, address_street,
      address_house_number, address_zip, address_city.
    Optional columns: type (person|company), first_name, last_name,
      company_name, vat_id, phone, locale (de|en), status
      (pending|active|ended), start_date, end_date (2024-10-27 or
      27.10.2024), billing_address_street, billing_address_house_number,
      billing_address_zip, billing_address_city, meter_number, meter_type
      (smart|analog), meter_malo, meter_melo, grid_operator, estimated_usage
      (kWh per year).

    Separated by commas or semicolons. The file is checked completely first:
    any bad row rejects it with its line number and nothing is written.
    Customers are matched by email within the plan's org, subscriptions by
    number, so importing the same file again changes nothing.
    """  # noqa: D301 (click's paragraph marker is a real backspace)
    from nomos_portal.db import open_session
    from nomos_portal.services.csv_files import CsvImportError
    from nomos_portal.services.customer_import import import_customers

    text = _read_text(file)
    with open_session() as session, _progress(text.count("\n"), f"Importing {file.name}") as advance:
        try:
            report = import_customers(session, text=text, source=file.name, progress=advance)
        except CsvImportError as error:
            raise click.ClickException(str(error)) from None
    click.echo(
        f"{file.name}: {report.rows} rows; customers {report.customers_added} new, "
        f"{report.customers_updated} updated; subscriptions {report.subscriptions_added} new, "
        f"{report.subscriptions_updated} updated, {report.subscriptions_unchanged} unchanged."
    )


_TIMEZONE_OPTION = click.option(
    "--timezone",
    "naive_time_zone",
    type=click.Choice(["UTC", "Europe/Berlin"]),
    default="Europe/Berlin",
    show_default=True,
    help="Zone of timestamps without offset.",
)


@main.command("import-intervals")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_TIMEZONE_OPTION
@click.option(
    "--resolution",
    type=click.Choice(["15", "60"]),
    default="15",
    show_default=True,
    help="Interval length in minutes for rows without a resolution_minutes column.",
)
def import_intervals_command(file: Path, naive_time_zone: str, resolution: str) -> None:
    """Import smart-meter consumption per interval from a CSV file.

    \b
    Columns: subscription_number, start_at (interval start, e.g.
      2024-10-27T02:00:00+02:00 or 27.10.2024 02:00), energy_kwh,
      optionally state (final|preliminary|substitute, default preliminary)
      and resolution_minutes (15|60).

    All or nothing, with the line number of the first bad row. Importing
    the same file again changes nothing; changed values replace stored ones,
    but a final value is never replaced by a preliminary one.
    """  # noqa: D301 (click's paragraph marker is a real backspace)
    from nomos_portal.db import open_session
    from nomos_portal.services.csv_files import CsvImportError
    from nomos_portal.services.meter_data_import import import_intervals

    text = _read_text(file)
    with open_session() as session, _progress(text.count("\n"), f"Importing {file.name}") as advance:
        try:
            report = import_intervals(
                session,
                text=text,
                source=file.name,
                naive_time_zone=_naive_zone(naive_time_zone),
                default_resolution=int(resolution),
                progress=advance,
            )
        except CsvImportError as error:
            raise click.ClickException(str(error)) from None
    click.echo(
        f"{file.name}: {report.rows} intervals, {report.added} new, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


@main.command("import-readings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_TIMEZONE_OPTION
def import_readings_command(file: Path, naive_time_zone: str) -> None:
    """Import meter readings from a CSV file.

    \b
    Columns: subscription_number, read_at (a date, meaning the start of that
      Berlin day, or a timestamp), value_kwh, optionally source
      (customer_report|grid_reading|grid_estimation, default grid_reading)
      and meter_number (default: the subscription's meter).

    All or nothing, with the line number of the first bad row; a meter's
    readings must not fall over time. Importing the same file again
    changes nothing.
    """  # noqa: D301 (click's paragraph marker is a real backspace)
    from nomos_portal.db import open_session
    from nomos_portal.services.csv_files import CsvImportError
    from nomos_portal.services.meter_data_import import import_readings

    text = _read_text(file)
    with open_session() as session, _progress(text.count("\n"), f"Importing {file.name}") as advance:
        try:
            report = import_readings(
                session, text=text, source=file.name, naive_time_zone=_naive_zone(naive_time_zone), progress=advance
            )
        except CsvImportError as error:
            raise click.ClickException(str(error)) from None
    click.echo(
        f"{file.name}: {report.rows} readings, {report.added} new, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


@main.command("tenants")
@click.option("--port", type=int, default=None, help="Port to put in the URLs, e.g. 3000 in development.")
def list_tenants(port: int | None) -> None:
    """List every plan with its portal URL and customer count."""
    from sqlmodel import func

    from nomos_portal.db import open_session
    from nomos_portal.models import Org, Plan, Subscription
    from nomos_portal.services.tenancy import portal_url

    settings = get_settings()
    scheme = "https" if settings.is_production else "http"
    if port is None and not settings.is_production:
        port = 3000
    with open_session() as session:
        rows = session.exec(select(Plan, Org).join(Org, Org.id == Plan.org_id).order_by(Plan.slug)).all()
        if not rows:
            click.echo("No tenants yet: run `python -m nomos_portal seed` for the demo tenants.")
        for plan, org in rows:
            count = session.exec(
                select(func.count(func.distinct(Subscription.customer_id))).where(Subscription.plan_id == plan.id)
            ).one()
            url = portal_url(plan.slug, base_domain=settings.base_domain, scheme=scheme, port=port)
            click.echo(f"{plan.slug:<20} {url:<45} {org.name} / {plan.name}, {count} customers")


@main.command("demo-logins")
def demo_logins() -> None:
    """Print the demo customers' emails per tenant."""
    from nomos_portal.services.seed import DEMO_TENANTS

    for tenant in DEMO_TENANTS:
        click.echo(tenant.slug)
        for customer in tenant.customers:
            click.echo(f"  {customer.email}")


@main.command("check-settings")
def check_settings() -> None:
    """Validate the settings from the environment and print where mail goes."""
    settings = get_settings()
    target = (
        f"SMTP {settings.smtp_host}:{settings.smtp_port}"
        if settings.smtp_host
        else f"outbox {Path(settings.outbox_dir)}"
    )
    click.echo(f"{settings.environment}: base domain {settings.base_domain}, mail to {target}.")


# -- tenants: orgs, plans and their look ------------------------------------------------


@main.command("org")
@click.option("--name", required=True, help="The supplier's name; finds the org to update, or names the new one.")
@click.option("--logo", help="Logo: a file under assets/ (e.g. /brands/acme.svg) or an https:// URL.")
@click.option("--support-email", help="Email address customers write to.")
@click.option("--support-phone", help="Phone number shown to customers, e.g. '+49 30 1234567'.")
@click.option("--support-hours", help="Opening hours of the support line, e.g. 'Mo–Fr 8–18 Uhr'.")
@click.option("--support-url", help="https:// address of the supplier's help page; '' removes it.")
@click.option("--address-street", help="Street and number of the postal address printed on invoices.")
@click.option("--address-zip", help="Postcode of that address, five digits.")
@click.option("--address-city", help="City of that address.")
@click.option("--vat-id", help="VAT identification number printed on invoices, e.g. DE123456789.")
@click.option("--creditor-id", help="SEPA creditor id for direct-debit mandates; '' stops new mandates.")
@click.option("--create-only", is_flag=True, help="Fail instead of updating when the org exists.")
def save_org_command(name: str, create_only: bool, **values: str | None) -> None:
    """Create an org (a supplier) or update the one with this name.

    A new org needs --logo and --support-email; on update, options left out
    keep their stored values.
    """
    from nomos_portal.db import open_session
    from nomos_portal.services.tenant_admin import OrgChanges, TenantAdminError, save_org

    with open_session() as session:
        try:
            org, created = save_org(session, name=name, changes=OrgChanges(**values), create_only=create_only)
        except TenantAdminError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"{'Created' if created else 'Updated'} org {org.name!r} (id {org.id}).")


def _plan_options(command):
    """Add the options shared by `plan create` and `plan update`."""
    options = [
        click.option("--slug", required=True, help="Subdomain of the plan's portal: a DNS label such as acme-power."),
        click.option("--org", "org_name", help="Name of the org that offers the plan."),
        click.option("--name", help="Plan name as customers see it."),
        click.option("--description", help="Short description of the tariff."),
        click.option("--primary", help="Brand colour of buttons and charts, #rrggbb."),
        click.option("--accent", help="Second brand colour for highlights, #rrggbb."),
        click.option("--surface", help="Page background colour, #rrggbb."),
        click.option("--font-family", help="Font name, e.g. Archivo; system fonts follow as fallbacks."),
        click.option("--font-url", help="Stylesheet that loads the font: a file under assets/ or an https:// URL."),
        click.option("--monthly-fee", help="Monthly base fee in EUR including VAT, e.g. 11.90."),
        click.option("--margin-ct", help="Procurement margin on top of the spot price in ct/kWh net, e.g. 1.5."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _save_plan(slug: str, create: bool, values: dict[str, str | None]) -> None:
    from nomos_portal.db import open_session
    from nomos_portal.services.tenant_admin import PlanChanges, TenantAdminError, save_plan

    with open_session() as session:
        try:
            plan, warnings = save_plan(session, slug=slug, changes=PlanChanges(**values), create=create)
        except TenantAdminError as error:
            raise click.ClickException(str(error)) from None
    for warning in warnings:
        click.echo(f"WARNING: {warning}", err=True)
    click.echo(f"{'Created' if create else 'Updated'} plan {plan.slug!r} (id {plan.id}).")


@main.group("plan")
def plan_group() -> None:
    """Create or update plans: each plan is one portal under <slug>.<BASE_DOMAIN>."""


@plan_group.command("create")
@_plan_options
def plan_create(slug: str, **values: str | None) -> None:
    """Add a plan; fails when the slug is taken.

    Needs --org, --name, --primary, --accent, --surface and --font-family.
    Prints a WARNING for brand colours with poor contrast on the surface.
    """
    _save_plan(slug, True, values)


@plan_group.command("update")
@_plan_options
def plan_update(slug: str, **values: str | None) -> None:
    """Change an existing plan; options left out keep their stored values."""
    _save_plan(slug, False, values)


@main.command("preview-theme")
@click.argument("slug")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="HTML file to write.",
)
def preview_theme(slug: str, out: Path) -> None:
    """Write an HTML page with a plan's colours, their text colours, contrast ratios, font and logo."""
    from nomos_portal.db import open_session
    from nomos_portal.models import Org, Plan
    from nomos_portal.services.theme_preview import render_theme_preview

    with open_session() as session:
        plan = session.exec(select(Plan).where(Plan.slug == slug)).first()
        if plan is None:
            raise click.ClickException(f"No plan has slug {slug!r}; `python -m nomos_portal tenants` lists them.")
        org = session.get(Org, plan.org_id)
        assert org is not None
        page = render_theme_preview(plan=plan, org=org)
    out.write_text(page, encoding="utf-8")
    click.echo(f"Wrote {out}; open it in a browser.")


# -- single sign-on ----------------------------------------------------------------


@main.group("api-key")
def api_key_group() -> None:
    """Manage the API keys with which suppliers' backends mint sign-in links."""


@api_key_group.command("create")
@click.option("--org", "org_name", required=True, help="Name of the org the key acts for.")
@click.option("--label", default="", help="What the key is for, e.g. 'CRM production'.")
def api_key_create(org_name: str, label: str) -> None:
    """Create an API key and print it once; only its hash is stored."""
    from nomos_portal.db import open_session
    from nomos_portal.models import utc_now
    from nomos_portal.services.sso import create_api_key
    from nomos_portal.services.tenant_admin import find_org

    with open_session() as session:
        org = find_org(session, name=org_name)
        if org is None:
            raise click.ClickException(f"No org is named {org_name!r}; create it with the `org` command.")
        new = create_api_key(session, org=org, label=label, now=utc_now())
    click.echo(f"API key {new.prefix} for org {org.name!r}. Store it now, it is not shown again:")
    click.echo(new.key)


@api_key_group.command("list")
@click.option("--org", "org_name", help="Show only this org's keys.")
def api_key_list(org_name: str | None) -> None:
    """List API keys by prefix, with their org, label and state."""
    from nomos_portal.db import open_session
    from nomos_portal.models import ApiKey, Org

    with open_session() as session:
        query = select(ApiKey, Org).join(Org, Org.id == ApiKey.org_id).order_by(Org.name, ApiKey.created_at)
        if org_name is not None:
            query = query.where(Org.name == org_name)
        rows = session.exec(query).all()
    if not rows:
        click.echo("No API keys yet: create one with `python -m nomos_portal api-key create --org NAME`.")
    for key, org in rows:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
        used = f"last used {key.last_used_at:%Y-%m-%d %H:%M} UTC" if key.last_used_at else "never used"
        click.echo(f"{key.prefix}  {org.name:<20} {key.label or '-':<20} {state}, {used}")


@api_key_group.command("revoke")
@click.argument("prefix")
def api_key_revoke(prefix: str) -> None:
    """Stop the API key with this prefix (the part after "nomos_") from working."""
    from nomos_portal.db import open_session
    from nomos_portal.models import utc_now
    from nomos_portal.services.sso import InvalidApiKeyError, revoke_api_key

    with open_session() as session:
        try:
            revoke_api_key(session, prefix=prefix, now=utc_now())
        except InvalidApiKeyError:
            raise click.ClickException(f"No API key has prefix {prefix!r}; `api-key list` shows them.") from None
    click.echo(f"API key {prefix} revoked.")


@main.command("sso-link")
@click.option("--plan", "slug", required=True, help="Slug of the plan whose portal the link opens.")
@click.option("--email", required=True, help="Email of a customer of the plan's org.")
@click.option("--next", "next_path", default="/overview", show_default=True, help="Portal page to open after sign-in.")
def sso_link(slug: str, email: str, next_path: str) -> None:
    """Mint a single-use sign-in link, valid for 5 minutes, as the SSO endpoint does."""
    from nomos_portal.db import open_session
    from nomos_portal.models import Plan, utc_now
    from nomos_portal.services import sso
    from nomos_portal.services.sign_in import InvalidEmailError
    from nomos_portal.states.auth import safe_next_path

    if safe_next_path(next_path, default="") != next_path:
        raise click.ClickException(f"--next {next_path!r} must be a path on the portal, such as /overview.")
    settings = get_settings()
    with open_session() as session:
        plan = session.exec(select(Plan).where(Plan.slug == slug)).first()
        if plan is None:
            raise click.ClickException(f"No plan has slug {slug!r}; `python -m nomos_portal tenants` lists them.")
        try:
            customer = sso.find_org_customer(session, org_id=plan.org_id, email=email)
        except (InvalidEmailError, sso.NotFoundError):
            raise click.ClickException(f"No customer of this plan's org has the email {email!r}.") from None
        minted = sso.mint_sign_in_link(
            session,
            plan=plan,
            customer=customer,
            next_path=next_path,
            base_domain=settings.base_domain,
            production=settings.is_production,
            now=utc_now(),
        )
    click.echo(minted.url)
    click.echo(f"Valid once, until {minted.expires_at:%H:%M:%S} UTC.", err=True)
