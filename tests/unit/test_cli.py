import datetime
import logging
import urllib.parse
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, col, func, select
from starlette.testclient import TestClient

from nomos_portal.cli import main
from nomos_portal.models import (
    ApiKey,
    ConsumptionInterval,
    Customer,
    MeterReading,
    Org,
    Plan,
    SignInLink,
    SpotPrice,
    Subscription,
)
from nomos_portal.routes import create_api

UTC = datetime.UTC

CUSTOMER_HEADER = (
    "plan,email,type,first_name,last_name,company_name,number,status,start_date,"
    "address_street,address_house_number,address_zip,address_city,meter_number,meter_type,"
    "meter_malo,grid_operator,estimated_usage"
)
GOOD_ROWS = [
    "acme-power,Mia.Neumann@example.com,person,Mia,Neumann,,ACME-200001,active,2025-01-01,"
    "Kastanienallee,7,10435,Berlin,1EBZ0100500001,smart,50412345677,Stromnetz Berlin GmbH,2400",
    "acme-power,mia.neumann@example.com,person,Mia,Neumann,,ACME-200002,pending,01.02.2026,"
    "Straße des 17. Juni,135,10623,Berlin,,analog,,,1800",
    "lumio,kontakt@schmiede-kraus.example,company,,,Schmiede Kraus GmbH,LUM-2026-0500,active,2026-03-01,"
    "Am Markt,3-5,15230,Frankfurt (Oder),1ESY1160000001,analog,,,12000",
]


@pytest.fixture(autouse=True)
def cli_env(portal_env, monkeypatch: pytest.MonkeyPatch):
    # Every command runs on the test database. The CLI adds a stderr log handler once, and
    # CliRunner closes its stderr after each call, so a handler in place keeps it from adding one.
    monkeypatch.setattr(logging.getLogger("nomos_portal"), "handlers", [logging.NullHandler()])


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(tmp_path: Path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def count(session: Session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


# -- org and plan ---------------------------------------------------------------------


def test_org_create_then_update(session: Session):
    created = run(
        "org",
        "--name",
        "Stadtwerke Testhausen",
        "--logo",
        "assets/brands/lumio.svg",
        "--support-email",
        "Hilfe@SWT.example",
        "--create-only",
    )
    assert created.exit_code == 0, created.output
    assert "Created org 'Stadtwerke Testhausen'" in created.stdout
    org = session.exec(select(Org).where(Org.name == "Stadtwerke Testhausen")).one()
    assert org.logo == "/brands/lumio.svg"
    assert org.support_email == "hilfe@swt.example"

    updated = run("org", "--name", "Stadtwerke Testhausen", "--support-phone", "+49 30 555")
    assert updated.exit_code == 0, updated.output
    session.refresh(org)
    assert org.support_phone == "+49 30 555"
    assert org.logo == "/brands/lumio.svg"

    invoice_details = run(
        "org",
        "--name",
        "Stadtwerke Testhausen",
        "--address-street",
        "Am Markt 1",
        "--address-zip",
        "01067",
        "--address-city",
        "Dresden",
        "--vat-id",
        "de 123456789",
        "--creditor-id",
        "de98zzz09999999999",
    )
    assert invoice_details.exit_code == 0, invoice_details.output
    session.refresh(org)
    assert (org.address_street, org.address_zip, org.address_city) == ("Am Markt 1", "01067", "Dresden")
    assert org.vat_id == "DE123456789"
    assert org.sepa_creditor_id == "DE98ZZZ09999999999"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Acme", "--create-only", "--logo", "/brands/acme-power.svg"], "already exists"),
        (["--name", "Neu"], "A new org needs --logo and --support-email"),
        (["--name", "Neu", "--logo", "/brands/none.svg", "--support-email", "a@b.example"], "neither an https URL"),
        (["--name", "Neu", "--logo", "/../../etc/passwd", "--support-email", "a@b.example"], "neither an https URL"),
        (["--name", "Neu", "--logo", "http://x.example/l.svg", "--support-email", "a@b.example"], "must use https"),
        (
            ["--name", "Neu", "--logo", "https://x.example/l.svg", "--support-email", "not-an-email"],
            "not a valid email",
        ),
        (["--name", "Acme", "--support-url", "http://acme.example"], "not an https URL"),
        (["--name", "Acme", "--address-zip", "1011"], "not a German postcode"),
        (["--name", "Acme", "--vat-id", "DE12345"], "German VAT id is DE followed by nine digits"),
        (["--name", "Acme", "--vat-id", "12345"], "not a VAT id"),
        (["--name", "Acme", "--creditor-id", "DE99ZZZ09999999999"], "wrong check digits"),
        (["--name", "Acme", "--creditor-id", "DE98"], "not a SEPA creditor id"),
        (["--name", "Acme", "--address-street", "Am Markt 1\nX"], "control characters"),
    ],
)
def test_org_rejects_bad_input(session: Session, args: list[str], message: str):
    before = count(session, Org)
    result = run("org", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert count(session, Org) == before
    acme = session.exec(select(Org).where(Org.name == "Acme")).one()
    assert (acme.address_zip, acme.vat_id, acme.sepa_creditor_id) == ("10117", "DE999999999", "DE98ZZZ09999999999")
    assert acme.address_street == "Friedrichstraße 123"


PLAN_ARGS = [
    "--org",
    "Acme",
    "--name",
    "Acme Fix",
    "--primary",
    "#1A4D2E",
    "--accent",
    "#8a4b00",
    "--surface",
    "#ffffff",
    "--font-family",
    "Lora",
    "--font-url",
    "/fonts/lora.css",
    "--monthly-fee",
    "9,90",
    "--margin-ct",
    "1.25",
]


def test_plan_create_stores_brand(session: Session):
    result = run("plan", "create", "--slug", "acme-fix", *PLAN_ARGS)
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output
    plan = session.exec(select(Plan).where(Plan.slug == "acme-fix")).one()
    assert plan.color_primary == "#1a4d2e"
    assert plan.price == Decimal("9.90")
    assert plan.procurement_margin_ct_per_kwh == Decimal("1.25")
    assert plan.font_stylesheet_url == "/fonts/lora.css"


def test_plan_create_rejects_invalid_slug(session: Session):
    for slug in ("Acme_Power", "-acme", "acme-", "a" * 64, "acme.power", ""):
        result = run("plan", "create", "--slug", slug, *PLAN_ARGS)
        assert result.exit_code == 1, slug
        assert "is not a valid DNS label" in result.output, slug
    assert count(session, Plan) == 2


def test_plan_create_rejects_duplicate_slug(session: Session):
    result = run("plan", "create", "--slug", "acme-power", *PLAN_ARGS)
    assert result.exit_code == 1
    assert "A plan with slug 'acme-power' already exists" in result.output
    assert "plan update" in result.output
    acme = session.exec(select(Plan).where(Plan.slug == "acme-power")).one()
    assert acme.name == "Acme Power Dynamisch"


def test_plan_update_rejects_unknown_slug():
    result = run("plan", "update", "--slug", "nobody", "--name", "X")
    assert result.exit_code == 1
    assert "No plan has slug 'nobody'; use `plan create`" in result.output


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "0b5fff", "#gggggg"])
def test_plan_rejects_bad_colour(session: Session, color: str):
    result = run("plan", "update", "--slug", "acme-power", "--primary", color)
    assert result.exit_code == 1
    assert "--primary: Invalid colour" in result.output
    acme = session.exec(select(Plan).where(Plan.slug == "acme-power")).one()
    assert acme.color_primary == "#0b5fff"


def test_plan_warns_on_poor_contrast(session: Session):
    result = run("plan", "update", "--slug", "acme-power", "--primary", "#ffee00", "--accent", "#ffaa00")
    assert result.exit_code == 0, result.output
    assert "WARNING: primary #ffee00 on surface #f7f9fc" in result.stderr
    assert "below 3:1" in result.stderr
    assert "WARNING: accent #ffaa00 as text on surface #f7f9fc" in result.stderr
    assert "below 4.5:1" in result.stderr
    assert "Updated plan 'acme-power'" in result.stdout


def test_plan_update_cannot_move_org():
    result = run("plan", "update", "--slug", "acme-power", "--org", "Lumio")
    assert result.exit_code == 1
    assert "cannot move between orgs" in result.output


def test_plan_create_names_missing_options():
    result = run("plan", "create", "--slug", "half-done", "--org", "Acme", "--name", "Half")
    assert result.exit_code == 1
    assert "A new plan needs --primary, --accent, --surface, --font-family." in result.output


def test_preview_theme_writes_swatches(session: Session, tmp_path: Path):
    org = session.exec(select(Org).where(Org.name == "Acme")).one()
    org.name = "Acme <Energie>"
    session.add(org)
    session.commit()
    out = tmp_path / "acme.html"
    result = run("preview-theme", "acme-power", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "#0b5fff" in page
    assert "#ffffff" in page
    assert ":1</td>" in page
    assert "Archivo" in page
    assert "acme-power.svg" in page
    assert "Acme &lt;Energie&gt;" in page
    assert "Acme <Energie>" not in page


def test_preview_theme_unknown_slug(tmp_path: Path):
    result = run("preview-theme", "nobody", "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 1
    assert "No plan has slug 'nobody'" in result.output


# -- API keys and sign-in links ---------------------------------------------------------


def test_api_key_printed_once_and_works(session: Session):
    result = run("api-key", "create", "--org", "Acme", "--label", "CRM")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("nomos_")
    stored = session.exec(select(ApiKey)).one()
    assert key not in stored.key_hash

    listing = run("api-key", "list")
    assert stored.prefix in listing.stdout
    assert key not in listing.stdout

    api = TestClient(create_api(), base_url="http://acme-power.localhost:8000")
    response = api.post(
        "/api/sso/links", json={"email": "jonas.becker@example.com"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 201

    assert run("api-key", "revoke", stored.prefix).exit_code == 0
    again = api.post(
        "/api/sso/links", json={"email": "jonas.becker@example.com"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert again.status_code == 401


def test_api_key_unknown_org():
    result = run("api-key", "create", "--org", "Nobody")
    assert result.exit_code == 1
    assert "No org is named 'Nobody'" in result.output


def test_sso_link_signs_in(session: Session):
    result = run("sso-link", "--plan", "acme-power", "--email", "jonas.becker@example.com", "--next", "/overview")
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    parts = urllib.parse.urlsplit(url)
    assert parts.netloc == "acme-power.localhost:8000"
    api = TestClient(create_api(), base_url="http://acme-power.localhost:8000", follow_redirects=False)
    response = api.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 303
    assert response.headers["location"] == "http://acme-power.localhost:3000/overview"
    assert "HttpOnly" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "acme-power", "--email", "jonas.becker@example.com", "--next", "https://evil.example/"], "--next"),
        (["--plan", "acme-power", "--email", "jonas.becker@example.com", "--next", "//evil.example"], "--next"),
        (["--plan", "acme-power", "--email", "lea.wagner@example.org"], "No customer of this plan's org"),
        (["--plan", "nobody", "--email", "jonas.becker@example.com"], "No plan has slug 'nobody'"),
    ],
)
def test_sso_link_rejects_bad_input(session: Session, args: list[str], message: str):
    result = run("sso-link", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert count(session, SignInLink) == 0


# -- customers ------------------------------------------------------------------------


def test_import_customers_then_reimport_unchanged(session: Session, tmp_path: Path):
    path = write(tmp_path, "customers.csv", [CUSTOMER_HEADER, *GOOD_ROWS])
    customers_before = count(session, Customer)

    first = run("import-customers", path)
    assert first.exit_code == 0, first.output
    assert "3 rows; customers 2 new, 0 updated; subscriptions 3 new, 0 updated, 0 unchanged." in first.stdout
    assert count(session, Customer) == customers_before + 2

    mia = session.exec(select(Customer).where(Customer.email == "mia.neumann@example.com")).one()
    subscriptions = session.exec(select(Subscription).where(Subscription.customer_id == mia.id)).all()
    assert sorted(s.number for s in subscriptions) == ["ACME-200001", "ACME-200002"]
    first_subscription = next(s for s in subscriptions if s.number == "ACME-200001")
    assert first_subscription.start_at == datetime.datetime(2024, 12, 31, 23, tzinfo=UTC)
    assert first_subscription.meter_type == "smart"
    assert first_subscription.grid_area_id is not None
    second_subscription = next(s for s in subscriptions if s.number == "ACME-200002")
    assert second_subscription.address_street == "Straße des 17. Juni"
    assert second_subscription.start_at == datetime.datetime(2026, 1, 31, 23, tzinfo=UTC)
    company = session.exec(select(Customer).where(Customer.email == "kontakt@schmiede-kraus.example")).one()
    assert company.type == "company"
    lumio_org = session.exec(select(Org).where(Org.name == "Lumio")).one()
    assert company.org_id == lumio_org.id

    second = run("import-customers", path)
    assert second.exit_code == 0, second.output
    assert "customers 0 new, 0 updated; subscriptions 0 new, 0 updated, 3 unchanged." in second.stdout
    assert count(session, Customer) == customers_before + 2


def test_import_customers_semicolons_update(session: Session, tmp_path: Path):
    header = "plan;email;first_name;last_name;number;address_street;address_house_number;address_zip;address_city"
    row = "acme-power;jonas.becker@example.com;Jonas;Becker-Lang;ACME-100003;Lindenstraße;88;10969;Berlin"
    result = run("import-customers", write(tmp_path, "semi.csv", [header, row]))
    assert result.exit_code == 0, result.output
    assert "customers 0 new, 1 updated" in result.stdout
    jonas = session.exec(select(Customer).where(Customer.email == "jonas.becker@example.com")).one()
    assert jonas.last_name == "Becker-Lang"


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (("10435", "1043"), "address_zip '1043' is not a German postcode of 5 digits"),
        (("10435", "1043A"), "is not a German postcode"),
        ((",Berlin,1EBZ0100500001", ",Berlin 10,1EBZ0100500001"), "address_city 'Berlin 10' is not a town name"),
        (("Kastanienallee,7", "7,7"), "address_street '7' is not a street name"),
        (("Kastanienallee,7", "Kastanienallee 7,"), "address_house_number '' is not a house number"),
        (("Mia.Neumann@example.com", "mia.neumann(at)example.com"), "is not a valid email address"),
        (("acme-power,", "acme-nothing,"), "plan 'acme-nothing' does not exist"),
        ((",smart,", ",digital,"), "meter_type 'digital' is not one of smart, analog"),
        (("50412345677", "50412345678"), "is not a market location id"),
        (("Stromnetz Berlin GmbH", "Netz Unbekannt"), "grid_operator 'Netz Unbekannt' is not known"),
        ((",2400", ",2.400"), "estimated_usage '2.400' is not a whole number"),
        ((",person,Mia,Neumann,", ",person,Mia,,"), "a person needs first_name and last_name"),
        (("2025-01-01", "2025-02-30"), "is not a date"),
    ],
)
def test_import_customers_rejects_bad_middle_row(session: Session, tmp_path: Path, replace, message: str):
    old, new = replace
    assert old in GOOD_ROWS[0]
    bad = GOOD_ROWS[0].replace(old, new).replace("ACME-200001", "ACME-200009")
    path = write(tmp_path, "bad.csv", [CUSTOMER_HEADER, GOOD_ROWS[0], bad, GOOD_ROWS[2]])
    customers_before = count(session, Customer)
    subscriptions_before = count(session, Subscription)

    result = run("import-customers", path)
    assert result.exit_code == 1
    assert "bad.csv, line 3:" in result.output
    assert message in result.output
    assert "Nothing was imported." in result.output
    assert count(session, Customer) == customers_before
    assert count(session, Subscription) == subscriptions_before


def test_import_customers_rejects_taken_number(session: Session, tmp_path: Path):
    taken = GOOD_ROWS[2].replace("LUM-2026-0500", "ACME-100001").replace("lumio,", "acme-power,")
    path = write(tmp_path, "taken.csv", [CUSTOMER_HEADER, GOOD_ROWS[0], taken])
    customers_before = count(session, Customer)
    result = run("import-customers", path)
    assert result.exit_code == 1
    assert "line 3: subscription 'ACME-100001' already belongs to another customer or plan" in result.output
    assert count(session, Customer) == customers_before


def test_import_customers_rejects_repeats_and_unknown_columns(tmp_path: Path):
    repeated = run("import-customers", write(tmp_path, "twice.csv", [CUSTOMER_HEADER, GOOD_ROWS[0], GOOD_ROWS[0]]))
    assert "line 3: subscription number 'ACME-200001' repeats line 2" in repeated.output
    unknown = run("import-customers", write(tmp_path, "typo.csv", [CUSTOMER_HEADER + ",emial", GOOD_ROWS[0] + ",x"]))
    assert "unknown column 'emial'" in unknown.output
    missing = run("import-customers", write(tmp_path, "short.csv", ["plan,email", "acme-power,a@b.example"]))
    assert "column number, address_street" in missing.output


# -- prices ---------------------------------------------------------------------------


def autumn_day_semicolon_rows() -> list[str]:
    lines = ["Datum von;Datum bis;Deutschland/Luxemburg [€/MWh] Originalauflösungen"]
    hours = [0, 1, 2, 2, *range(3, 24)]
    for index, hour in enumerate(hours):
        lines.append(f"26.10.2031 {hour:02d}:00;26.10.2031 {hour:02d}:59;{100 + index},25")
    return lines


def test_import_prices_local_dst_day(session: Session, tmp_path: Path):
    path = write(tmp_path, "smard.csv", autumn_day_semicolon_rows())
    before = count(session, SpotPrice)

    first = run("import-prices", path)
    assert first.exit_code == 0, first.output
    assert "25 rows, 25 new, 0 already stored." in first.stdout
    assert "read as Europe/Berlin" in first.stdout
    assert "decimal comma" in first.stdout
    stored = session.exec(
        select(SpotPrice)
        .where(col(SpotPrice.start_at) >= datetime.datetime(2031, 10, 25, 22, tzinfo=UTC))
        .order_by(col(SpotPrice.start_at))
    ).all()
    assert len(stored) == 25
    assert stored[3].start_at == datetime.datetime(2031, 10, 26, 1, tzinfo=UTC)
    assert stored[3].price_eur_per_mwh == Decimal("103.25")

    again = run("import-prices", path)
    assert "25 rows, 0 new, 25 already stored." in again.stdout
    assert count(session, SpotPrice) == before + 25


def test_import_prices_bad_middle_row_writes_nothing(session: Session, tmp_path: Path):
    lines = autumn_day_semicolon_rows()
    lines[10] = lines[10].replace(",25", ",2x")
    before = count(session, SpotPrice)
    result = run("import-prices", write(tmp_path, "bad.csv", lines))
    assert result.exit_code == 1
    assert "bad.csv, line 11: invalid price" in result.output
    assert count(session, SpotPrice) == before


def test_import_prices_spring_day_in_utc_column(session: Session, tmp_path: Path):
    lines = ["timestamp_utc,price_eur_per_mwh"]
    start = datetime.datetime(2031, 3, 29, 23, tzinfo=UTC)
    lines += [f"{(start + datetime.timedelta(minutes=15 * i)).isoformat()},{i}.5" for i in range(92)]
    result = run("import-prices", write(tmp_path, "spring.csv", lines))
    assert result.exit_code == 0, result.output
    assert "92 rows, 92 new" in result.stdout
    resolutions = session.exec(
        select(SpotPrice.resolution_minutes).where(col(SpotPrice.start_at) >= start).distinct()
    ).all()
    assert resolutions == [15]


# -- meter data -----------------------------------------------------------------------


def interval_rows() -> list[str]:
    # 29.10.2023 is an autumn DST day before the seeded meter data, on a smart meter.
    lines = ["subscription_number;start_at;energy_kwh;state"]
    for hour in (0, 1, 2, 2, 3):
        for minute in (0, 15, 30, 45):
            lines.append(f"ACME-100003;29.10.2023 {hour:02d}:{minute:02d};0,{hour}{minute:02d};final")
    return lines


def stored_intervals(session: Session) -> list[ConsumptionInterval]:
    session.expire_all()
    return session.exec(
        select(ConsumptionInterval)
        .join(Subscription, col(Subscription.id) == col(ConsumptionInterval.subscription_id))
        .where(Subscription.number == "ACME-100003")
        .where(col(ConsumptionInterval.start_at) < datetime.datetime(2023, 11, 1, tzinfo=UTC))
        .order_by(col(ConsumptionInterval.start_at))
    ).all()


def test_import_intervals_dst_then_reimport(session: Session, tmp_path: Path):
    path = write(tmp_path, "intervals.csv", interval_rows())
    first = run("import-intervals", path)
    assert first.exit_code == 0, first.output
    assert "20 intervals, 20 new, 0 updated, 0 unchanged." in first.stdout
    rows = stored_intervals(session)
    assert len(rows) == 20
    assert rows[0].start_at == datetime.datetime(2023, 10, 28, 22, tzinfo=UTC)
    assert rows[-1].start_at == datetime.datetime(2023, 10, 29, 2, 45, tzinfo=UTC)
    assert rows[8].start_at == datetime.datetime(2023, 10, 29, 0, tzinfo=UTC)
    assert rows[12].start_at == datetime.datetime(2023, 10, 29, 1, tzinfo=UTC)
    assert rows[12].energy_kwh == Decimal("0.2000")
    assert {row.state for row in rows} == {"final"}

    again = run("import-intervals", path)
    assert "20 intervals, 0 new, 0 updated, 20 unchanged." in again.stdout
    assert len(stored_intervals(session)) == 20


def test_import_intervals_bad_middle_row_writes_nothing(session: Session, tmp_path: Path):
    lines = interval_rows()
    lines[7] = lines[7].replace(";final", ";guessed")
    result = run("import-intervals", write(tmp_path, "bad.csv", lines))
    assert result.exit_code == 1
    assert "bad.csv, line 8: state 'guessed' is not one of final, preliminary, substitute" in result.output
    assert stored_intervals(session) == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("ACME-100002;29.10.2023 05:00;0,1;final", "has an analog meter"),
        ("ACME-999999;29.10.2023 05:00;0,1;final", "subscription 'ACME-999999' does not exist"),
        ("ACME-100003;26.03.2023 02:15;0,1;final", "does not exist in Europe/Berlin"),
        ("ACME-100003;29.10.2023 05:07;0,1;final", "does not start a 15-minute interval"),
        ("ACME-100003;29.10.2023 05:00;-0,1;final", "must be between 0"),
        ("ACME-100003;29.10.2023 00:00;0,1;final", "repeats line 2"),
    ],
)
def test_import_intervals_rejects_row(session: Session, tmp_path: Path, row: str, message: str):
    lines = interval_rows()
    result = run("import-intervals", write(tmp_path, "bad.csv", [*lines, row]))
    assert result.exit_code == 1
    assert f"bad.csv, line {len(lines) + 1}:" in result.output
    assert message in result.output
    assert stored_intervals(session) == []


def test_import_intervals_final_not_replaced_by_preliminary(session: Session, tmp_path: Path):
    assert run("import-intervals", write(tmp_path, "final.csv", interval_rows())).exit_code == 0
    lines = [line.replace(";final", ";preliminary") for line in interval_rows()]
    result = run("import-intervals", write(tmp_path, "preliminary.csv", lines))
    assert result.exit_code == 1
    assert "is final; a preliminary value cannot replace it" in result.output
    corrected = [line.replace(";0,000;", ";0,010;") for line in interval_rows()]
    update = run("import-intervals", write(tmp_path, "corrected.csv", corrected))
    assert "1 updated" in update.stdout


def analog_readings(session: Session) -> list[MeterReading]:
    session.expire_all()
    return session.exec(
        select(MeterReading)
        .join(Subscription, col(Subscription.id) == col(MeterReading.subscription_id))
        .where(Subscription.number == "ACME-100002")
        .order_by(col(MeterReading.read_at))
    ).all()


def test_import_readings_then_reimport(session: Session, tmp_path: Path):
    before = analog_readings(session)
    top = before[-1].value_kwh
    lines = [
        "subscription_number,read_at,value_kwh,source",
        f"ACME-100002,2027-01-31,{top + 100},grid_reading",
        f"ACME-100002,2027-02-28T18:30:00+01:00,{top + 250},customer_report",
    ]
    path = write(tmp_path, "readings.csv", lines)
    first = run("import-readings", path)
    assert first.exit_code == 0, first.output
    assert "2 readings, 2 new, 0 updated, 0 unchanged." in first.stdout
    after = analog_readings(session)
    assert len(after) == len(before) + 2
    assert after[-2].read_at == datetime.datetime(2027, 1, 30, 23, tzinfo=UTC)
    assert after[-2].meter_number == "1ESY1161234567"
    assert after[-1].read_at == datetime.datetime(2027, 2, 28, 17, 30, tzinfo=UTC)
    assert after[-1].source == "customer_report"

    again = run("import-readings", path)
    assert "2 readings, 0 new, 0 updated, 2 unchanged." in again.stdout


def test_import_readings_rejects_falling_value(session: Session, tmp_path: Path):
    before = analog_readings(session)
    top = before[-1].value_kwh
    lines = [
        "subscription_number;read_at;value_kwh",
        "ACME-100002;31.01.2027;" + str(top + 100).replace(".", ","),
        "ACME-100002;28.02.2027;" + str(top + 50).replace(".", ","),
    ]
    result = run("import-readings", write(tmp_path, "falling.csv", lines))
    assert result.exit_code == 1
    assert "falling.csv, line 3:" in result.output
    assert "readings must not fall" in result.output
    assert len(analog_readings(session)) == len(before)

    below_stored = ["subscription_number,read_at,value_kwh", f"ACME-100002,2027-01-31,{top - 1}"]
    result = run("import-readings", write(tmp_path, "below.csv", below_stored))
    assert result.exit_code == 1
    assert "the stored reading" in result.output
    assert len(analog_readings(session)) == len(before)


def test_import_readings_rejects_unknown_source(session: Session, tmp_path: Path):
    lines = ["subscription_number,read_at,value_kwh,source", "ACME-100002,2027-01-31,99999.0,guess"]
    result = run("import-readings", write(tmp_path, "source.csv", lines))
    assert result.exit_code == 1
    assert "line 2: source 'guess' is not one of customer_report, grid_reading, grid_estimation" in result.output


def test_import_commands_have_help():
    for command in (
        "org",
        "plan",
        "import-customers",
        "import-prices",
        "import-intervals",
        "import-readings",
        "preview-theme",
        "sso-link",
        "api-key",
    ):
        result = run(command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.output, command
