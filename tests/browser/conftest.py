"""Start the real portal (`reflex run`) against a test database and a loopback SMTP server.

The browser tests drive Debian's Chromium through Playwright against tenant
hosts such as `acme-power.localhost`, which Chromium resolves to loopback.
The database is a SQLite file, or a PostgreSQL database when TEST_DATABASE_URL
is set; with TEST_REDIS_URL the servers keep Reflex's state in that Redis and
the production server runs two backend workers.
"""

from __future__ import annotations

import dataclasses
import datetime
import email
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, sync_playwright
from sqlmodel import Session

from nomos_portal.services.seed import seed_demo_data, seed_demo_meter_data, seed_demo_prices
from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY, migrate
from tests.databases import TestDatabases

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "screenshots"
START_TIMEOUT_SECONDS = 300
# The development server's clock: the Saturday before the change to summer time, so
# "tomorrow" (29 March 2026) has 23 hours; real prices exist for both days.
FROZEN_NOW = datetime.datetime(2026, 3, 28, 14, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
# Backend workers of the production server when Redis shares the state between them.
PRODUCTION_WORKERS_WITH_REDIS = 2
PRODUCTION_DRAIN_SECONDS = 2


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def count_for(self, address: str) -> int:
        return sum(1 for message in self.messages if message["To"] == address)

    def wait_for_code(self, address: str, *, after: int, timeout: float = 15) -> str:
        """Wait for message number `after + 1` to an address and return its six-digit code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = [message for message in self.messages if message["To"] == address]
            if len(received) > after:
                text = received[after].get_body(preferencelist=("plain",)).get_content()
                return re.search(r"\b(\d{6})\b", text).group(1)
            time.sleep(0.1)
        raise AssertionError(f"No sign-in mail for {address} within {timeout} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"reflex exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback URL built above)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@dataclasses.dataclass
class Portal:
    """A running `reflex run` process and what it was started with."""

    process: subprocess.Popen
    port: int
    database_url: str
    log: Path


def test_redis_url() -> str:
    """Return the Redis URL for the servers under test from TEST_REDIS_URL; empty keeps state on disk."""
    return os.environ.get("TEST_REDIS_URL", "").strip()


def start_portal(tmp_path: Path, smtp_port: int, databases: TestDatabases, *, production: bool) -> Portal:
    """Run `reflex run` on a fresh seeded database; stop it with stop_portal()."""
    url = databases.create()
    migrate(url)
    engine = sa.create_engine(url)
    with Session(engine) as session:
        seed_demo_data(session, secret_key=TEST_SECRET_KEY)
        seed_demo_prices(session)
        if not production:
            seed_demo_meter_data(session, now=FROZEN_NOW)
    engine.dispose()

    frontend_port = free_port()
    backend_port = frontend_port if production else free_port()
    tools = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    env = {
        **os.environ,
        "PATH": f"{tools}:{PROJECT_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "NOMOS_ENV": "production" if production else "development",
        "DATABASE_URL": url,
        "REDIS_URL": test_redis_url(),
        "SECRET_KEY": TEST_SECRET_KEY,
        "BASE_DOMAIN": "localhost",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "portal@customerportal.localhost",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    # Reflex's own variables would override rxconfig.py, which reads the two above.
    for name in ("REFLEX_DB_URL", "REFLEX_REDIS_URL", "GRANIAN_WORKERS"):
        env.pop(name, None)
    if production:
        # A stopping worker closes its websockets over this time. It is short, so a restart test stays quick.
        env["NOMOS_DRAIN_SECONDS"] = str(PRODUCTION_DRAIN_SECONDS)
    if production and test_redis_url():
        env["GRANIAN_WORKERS"] = str(PRODUCTION_WORKERS_WITH_REDIS)
    if not production:
        env["NOMOS_NOW"] = FROZEN_NOW.isoformat()
        # Watch an empty folder only: a hot reload in the middle of a test drops its websocket.
        quiet = tmp_path / "no-hot-reload"
        quiet.mkdir()
        env["REFLEX_HOT_RELOAD_OVERRIDE_PATHS"] = str(quiet)
    command = ["reflex", "run", "--frontend-port", str(frontend_port), "--backend-port", str(backend_port)]
    if production:
        command += ["--env", "prod", "--single-port"]
    log = tmp_path / "reflex.log"
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    portal = Portal(process=process, port=frontend_port, database_url=url, log=log)
    try:
        wait_for_http(f"http://127.0.0.1:{frontend_port}/", process, log, START_TIMEOUT_SECONDS)
        if not production:
            wait_for_http(f"http://127.0.0.1:{backend_port}/ping", process, log, START_TIMEOUT_SECONDS)
    except Exception:
        stop_portal(portal, databases)
        raise
    return portal


def stop_portal(portal: Portal, databases: TestDatabases) -> None:
    """Stop the server's process group and drop its database."""
    process = portal.process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    databases.drop(portal.database_url)


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory, smtp_inbox, databases: TestDatabases) -> Iterator[Portal]:
    """A development server (`reflex run`) for the whole browser session."""
    running = start_portal(tmp_path_factory.mktemp("dev"), smtp_inbox[0], databases, production=False)
    yield running
    stop_portal(running, databases)
    log = running.log.read_text()
    errors = [line for line in log.splitlines() if "Traceback" in line]
    assert not errors, log[-4000:]


@pytest.fixture(scope="session")
def portal_port(portal: Portal) -> int:
    """Port of the development server."""
    return portal.port


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh --browser (installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    context.close()


class SignIns:
    """Browser storage of customers already signed in, so tests stay within the code-request limits.

    A customer may request one code a minute, so each customer signs in
    through the page once per test run and later tests reuse the cookie.
    """

    def __init__(self, browser: Browser, port: int, inbox: Inbox) -> None:
        self.browser = browser
        self.port = port
        self.inbox = inbox
        self.states: dict[tuple[str, str], dict] = {}

    def remember(self, slug: str, email_address: str, page: Page) -> None:
        self.states[(slug, email_address)] = page.context.storage_state()

    def page_for(self, slug: str, email_address: str) -> Page:
        """A new page in a context signed in as this customer on this tenant."""
        state = self.states.get((slug, email_address))
        if state is None:
            context = self.browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.set_default_timeout(20_000)
            sign_in_through_page(page, f"http://{slug}.localhost:{self.port}", email_address, self.inbox)
            self.remember(slug, email_address, page)
            return page
        context = self.browser.new_context(viewport={"width": 1280, "height": 800}, storage_state=state)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page


def wait_for_path(page: Page, *paths: str) -> None:
    """Wait until the page's path (not its query) is one of the given ones.

    The production build adds a trailing slash to every route, so it is ignored.
    """
    page.wait_for_url(lambda url: (urllib.parse.urlsplit(url).path.rstrip("/") or "/") in paths)


def use_subscription(page: Page, base: str, number: str) -> None:
    """Make a contract the signed-in customer's current one, unless it already is."""
    page.goto(base + "/subscriptions")
    page.get_by_text(number, exact=True).wait_for()
    button = page.locator(f"#choose-{number}")
    if button.count():
        button.click()
        wait_for_path(page, "/overview")


def request_code(page: Page, email_address: str) -> None:
    """Fill in the email step of `/login` and wait for the code step."""
    from playwright.sync_api import expect

    page.locator("#email").fill(email_address)
    page.locator("#send-code").click()
    expect(page.locator("#code-sent")).to_be_visible()


def sign_in_through_page(page: Page, base: str, email_address: str, inbox: Inbox, path: str = "/login") -> None:
    """Sign in with the code from the emailed message, as a customer would."""
    from playwright.sync_api import expect

    page.goto(base + path)
    expect(page.locator("#email")).to_be_visible()
    before = inbox.count_for(email_address)
    request_code(page, email_address)
    page.locator("#code").fill(inbox.wait_for_code(email_address, after=before))
    page.locator("#verify-code").click()
    wait_for_path(page, "/overview", "/subscriptions")


@pytest.fixture(scope="session")
def sign_ins(browser: Browser, portal_port: int, smtp_inbox) -> SignIns:
    return SignIns(browser, portal_port, smtp_inbox[1])


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot under the git-ignored screenshots/ folder."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


MODULE_ORDER = ("test_production", "test_sign_in")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the production-build tests first, then the sign-in tests, then the rest.

    Both servers build into the same `.web` folder, so the production build
    must be done and its server stopped before the development server starts.
    The sign-in tests sign customers in through the page; later modules reuse
    those sessions, because each customer may request only one code a minute.
    """

    def rank(item: pytest.Item) -> int:
        name = item.module.__name__.rpartition(".")[2]
        return MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)

    items.sort(key=rank)
