"""Operator commands: `python -m nomos_portal --help`."""

from __future__ import annotations

from pathlib import Path

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
    """Add the demo tenants acme-power and lumio with their customers."""
    from nomos_portal import clock
    from nomos_portal.db import open_session
    from nomos_portal.services.seed import seed_demo_data, seed_demo_meter_data, seed_demo_prices

    with open_session() as session:
        report = seed_demo_data(session, secret_key=get_settings().secret_key)
        prices = seed_demo_prices(session)
        meter_rows = seed_demo_meter_data(session, now=clock.now())
    click.echo(
        f"Added {report.orgs} orgs, {report.plans} plans, {report.customers} customers, "
        f"{report.subscriptions} subscriptions, {prices} day-ahead prices and {meter_rows} meter values."
    )


@main.command("import-prices")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_prices(files: tuple[Path, ...]) -> None:
    """Import DE-LU day-ahead prices from CSV files with timestamp_utc and price_eur_per_mwh columns.

    Each file is one transaction: a malformed row rejects the whole file, and
    importing the same file again adds nothing.
    """
    from nomos_portal.db import open_session
    from nomos_portal.services.spot_prices import PriceImportError, import_price_file

    with open_session() as session:
        for path in files:
            try:
                report = import_price_file(session, path=path)
            except PriceImportError as error:
                raise click.ClickException(str(error)) from None
            click.echo(f"{path.name}: {report.rows} rows, {report.added} new, {report.unchanged} already stored.")


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
