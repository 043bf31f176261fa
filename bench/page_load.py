"""Time page loads of the production build in headless Chromium against a blank Reflex page.

Run with `source scripts/env.sh && python bench/page_load.py`. The script
copies the portal and `bench/blank_app` into one temporary directory each,
builds and serves both with `reflex run --env prod --single-port` on free
loopback ports, and seeds a fresh SQLite database for the portal. Customers
sign in as in the browser tests: through `/login` with the code that a
loopback SMTP server (aiosmtpd) receives.

Each timed load opens a new browser context, so the HTTP cache, cookies
apart from the session and the Reflex client token start empty: a cold
cache in a warm browser process. One untimed load of each page comes first,
so the servers have imported, compiled and cached what a running portal
keeps in memory. A load counts until the page's data is visible, timed in
the page from the start of the navigation (`performance.now()`):

- `/login`: the email field of the form;
- `/overview`: the bars of the price chart and the contract status badge;
- blank page `/data`: its line of text, which the backend sends over the
  websocket from a page-load handler;
- static blank page `/`: its line of text, already in the prerendered HTML.

The ratio compares `/overview` with the blank `/data` page, because both
show data only after the same steps: load the JavaScript, connect the
websocket, hydrate and run the page-load handler. The static page shows
what a page costs that needs none of them; its ratio is printed as well.

A separate load of `/overview` and of the blank `/data` page records the
first-load JavaScript (every script response until the data is visible and
the network is idle) and its size after gzip level 6. The script compresses
the decoded bodies itself, so the figure does not depend on how the server
sends them. The last line reads `overview_vs_blank_ratio=<ratio>` (overview
median divided by the blank `/data` median).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlmodel import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from nomos_portal.services import spot_prices  # noqa: E402
from nomos_portal.services.seed import seed_demo_data, seed_demo_meter_data, seed_demo_prices  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Inbox,
    free_port,
    sign_in_through_page,
)
from tests.conftest import TEST_SECRET_KEY, migrate  # noqa: E402

LOADS = 10
TENANT = "acme-power"
# One contract only, so /overview does not send him to /subscriptions first.
CUSTOMER_EMAIL = "jonas.becker@example.com"
PORTAL_FILES = ("nomos_portal", "assets", "rxconfig.py", "reflex.lock", "requirements.txt")
BLANK_APP = PROJECT_ROOT / "bench" / "blank_app"
START_TIMEOUT_SECONDS = 600
PAGE_TIMEOUT_MS = 30_000
# The whole run stops with an error after this long, whatever step it is in.
TOTAL_TIMEOUT_SECONDS = 1800
GZIP_LEVEL = 6
# Days up to today that get replayed prices: enough for this and last month's bill estimates.
REPLAYED_DAYS = 62

# Each check returns performance.now() once its data is on screen, else null.
_VISIBLE = "(el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'"
LOGIN_READY = f"() => ({_VISIBLE})(document.querySelector('#email')) ? performance.now() : null"
OVERVIEW_READY = f"""() => {{
    const visible = {_VISIBLE};
    const bar = document.querySelector('#price-chart .price-bar');
    const status = document.querySelector('#subscription-status');
    const ready = visible(bar) && visible(status) && status.textContent.trim() !== '';
    return ready ? performance.now() : null;
}}"""
BLANK_READY = f"""() => {{
    const text = document.querySelector('#blank-text');
    return ({_VISIBLE})(text) && text.textContent.trim() !== '' ? performance.now() : null;
}}"""

# With --timeline: record when the scripts have run, when the page creates its websocket and sends
# its first event, and each message it receives. Also record when the page takes its state from
# the HTML, where the production server wrote it (see nomos_portal.prefill). The recorder runs
# before any page script and takes every time from performance.now().
TIMELINE_RECORDER = """(() => {
    const steps = window.__nomosTimeline = {messages: []};
    document.addEventListener('DOMContentLoaded', () => { steps.parsed ??= performance.now(); });
    new MutationObserver((records) => {
        for (const record of records) {
            for (const node of record.removedNodes) {
                if (node.id === 'nomos-state') steps.fromHtml ??= performance.now();
            }
        }
    }).observe(document, {childList: true, subtree: true});
    const Native = window.WebSocket;
    window.WebSocket = function (...args) {
        const socket = new Native(...args);
        steps.created ??= performance.now();
        socket.addEventListener('message', () => steps.messages.push(performance.now()));
        const send = socket.send.bind(socket);
        socket.send = (data) => { steps.sent ??= performance.now(); send(data); };
        return socket;
    };
    window.WebSocket.prototype = Native.prototype;
    Object.assign(window.WebSocket, Native);
})();"""
# Read after the data shows. The state arrived either with the HTML or in the last websocket
# message before the data showed.
TIMELINE_READ = """(ready) => {
    const steps = window.__nomosTimeline;
    const scripts = performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('.js'));
    const messages = steps.messages.filter((time) => time <= ready);
    return {
        scripts: Math.max(...scripts.map((entry) => entry.responseEnd)),
        parsed: steps.parsed, created: steps.created, sent: steps.sent ?? ready,
        state: steps.fromHtml ?? (messages.length ? Math.max(...messages) : ready),
        ready,
    };
}"""
TIMELINE_STEPS = {
    "scripts": "last script loaded",
    "parsed": "scripts run (DOMContentLoaded)",
    "created": "websocket created",
    "sent": "first event sent (or data visible, if later)",
    "state": "state applied (from the HTML or the websocket)",
    "ready": "data visible",
}


@dataclass
class Server:
    """A `reflex run` process with its page port and log file."""

    process: subprocess.Popen
    port: int
    log: Path


@dataclass
class FirstLoad:
    """Scripts and websocket traffic of one first visit."""

    scripts: dict[str, int] = field(default_factory=dict)
    scripts_gzip: dict[str, int] = field(default_factory=dict)
    server_compressed: bool = False
    websocket_frames_received: int = 0
    websocket_bytes_received: int = 0
    websocket_frames_sent: int = 0


def reflex_env(extra: dict[str, str]) -> dict[str, str]:
    """Environment for `reflex run` with the project's bun and no calls to the internet."""
    tools = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    return {
        **os.environ,
        "PATH": f"{tools}:{PROJECT_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        **extra,
    }


def start_server(app_dir: Path, env: dict[str, str]) -> Server:
    """Build and serve an app with `reflex run --env prod --single-port`; wait until it responds."""
    port = free_port()
    log = app_dir / "reflex.log"
    command = ["reflex", "run", "--env", "prod", "--single-port", "--frontend-port", str(port)]
    command += ["--backend-port", str(port), "--backend-host", "127.0.0.1"]
    process = subprocess.Popen(  # noqa: S603 (fixed command, no shell)
        command,
        cwd=app_dir,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(process=process, port=port, log=log)
    try:
        wait_until_serving(server)
    except BaseException:
        stop_server(server)
        raise
    return server


def wait_until_serving(server: Server) -> None:
    """Poll the page port until it responds; raise with the log's tail if the server exits or is late."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    url = f"http://127.0.0.1:{server.port}/ping"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            msg = f"reflex exited with {server.process.returncode}:\n{server.log.read_text()[-4000:]}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    msg = f"{url} did not respond within {START_TIMEOUT_SECONDS} s:\n{server.log.read_text()[-4000:]}"
    raise TimeoutError(msg)


def stop_server(server: Server) -> None:
    """Stop a server's whole process group: SIGTERM, then SIGKILL after 20 s."""
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


def copy_app(files: tuple[str, ...], source: Path, target: Path) -> Path:
    """Copy an app's sources (no `.web`, databases or caches) into a new folder."""
    target.mkdir()
    ignore = shutil.ignore_patterns(".web", ".states", "__pycache__", "*.db", "outbox")
    for name in files:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=ignore)
        elif path.exists():
            shutil.copy2(path, target / name)
    return target


def seed_database(path: Path) -> str:
    """Migrate and seed a fresh SQLite database with prices and meter data up to now; return its URL.

    The stored real prices end before today, so historic days are replayed
    onto the weeks around now once, here. The portal then runs with
    `DEMO_MODE=false`, as in production, and a page load does no demo top-ups.
    """
    url = f"sqlite:///{path}"
    now = datetime.datetime.now(datetime.UTC)
    today = spot_prices.berlin_date(now)
    migrate(url)
    engine = sa.create_engine(url)
    with Session(engine) as session:
        seed_demo_data(session, secret_key=TEST_SECRET_KEY)
        seed_demo_prices(session)
        seed_demo_meter_data(session, now=now)
        days = [today - datetime.timedelta(days=offset) for offset in range(-1, REPLAYED_DAYS)]
        spot_prices.ensure_demo_prices(session, days=days, now=now)
    engine.dispose()
    return url


def portal_env(database_url: str, smtp_port: int, outbox: Path) -> dict[str, str]:
    """Production settings of the portal, with mail to the loopback SMTP server."""
    return reflex_env(
        {
            "NOMOS_ENV": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "BASE_DOMAIN": "localhost",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_SECURITY": "none",
            "MAIL_FROM": "portal@customerportal.localhost",
            "OUTBOX_DIR": str(outbox),
            "DEMO_MODE": "false",
        }
    )


def timed_load(
    browser: Browser,
    url: str,
    ready: str,
    storage_state: dict | None = None,
    prepare: Callable[[BrowserContext], None] | None = None,
) -> float:
    """Open a URL in a new context; return the milliseconds from navigation start until `ready` holds.

    `prepare`, if given, is called with the new context before the page opens, e.g. to add a route.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 800}, storage_state=storage_state)
    try:
        if prepare is not None:
            prepare(context)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(url, wait_until="commit")
        return float(page.wait_for_function(ready, polling="raf").json_value())
    finally:
        context.close()


def timeline_load(browser: Browser, url: str, ready: str, storage_state: dict | None = None) -> dict[str, float]:
    """Open a URL in a new context with the websocket recorder; return the times of TIMELINE_STEPS in ms."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, storage_state=storage_state)
    try:
        context.add_init_script(TIMELINE_RECORDER)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(url, wait_until="commit")
        done = float(page.wait_for_function(ready, polling="raf").json_value())
        return page.evaluate(TIMELINE_READ, done)
    finally:
        context.close()


def report_timeline(rows: dict[str, list[dict[str, float]]]) -> None:
    """Print the median time of each step per page, and the median gap to the step before."""
    print("timeline (median ms from the start of the navigation; in brackets: since the step before)")
    for name, loads in rows.items():
        cells = []
        previous = None
        for step, label in TIMELINE_STEPS.items():
            at = statistics.median(row[step] for row in loads)
            since = (
                "" if previous is None else f" (+{statistics.median(row[step] - row[previous] for row in loads):.0f})"
            )
            cells.append(f"{label} {at:.0f}{since}")
            previous = step
        print(f"  {name}: " + ", ".join(cells))


def inspect_first_load(browser: Browser, url: str, ready: str, storage_state: dict | None = None) -> FirstLoad:
    """Record the scripts and websocket frames of a first visit, until its data shows and the network idles."""
    found = FirstLoad()
    responses = []
    context = browser.new_context(viewport={"width": 1280, "height": 800}, storage_state=storage_state)
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.on("response", lambda response: responses.append(response))
        page.on("websocket", lambda socket: watch_websocket(socket, found))
        page.goto(url, wait_until="commit")
        page.wait_for_function(ready, polling="raf")
        page.wait_for_load_state("networkidle")
        for response in responses:
            content_type = response.headers.get("content-type", "")
            if response.request.resource_type != "script" and "javascript" not in content_type:
                continue
            body = response.body()
            found.scripts[response.url] = len(body)
            found.scripts_gzip[response.url] = len(gzip.compress(body, compresslevel=GZIP_LEVEL))
            found.server_compressed |= response.headers.get("content-encoding", "") != ""
    finally:
        context.close()
    return found


def watch_websocket(socket, found: FirstLoad) -> None:
    """Count the frames of a page's websocket into `found`."""

    def received(payload) -> None:
        found.websocket_frames_received += 1
        found.websocket_bytes_received += len(payload)

    def sent(_payload) -> None:
        found.websocket_frames_sent += 1

    socket.on("framereceived", received)
    socket.on("framesent", sent)


def sign_in(browser: Browser, base: str, inbox: Inbox) -> dict:
    """Sign the customer in through /login once; return the context's cookies for the timed loads."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page: Page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        sign_in_through_page(page, base, CUSTOMER_EMAIL, inbox)
        return context.storage_state()
    finally:
        context.close()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile, e.g. fraction 0.9 for p90."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(name: str, timings: list[float]) -> float:
    """Print one series; return its median."""
    median = statistics.median(timings)
    shown = " ".join(f"{value:.0f}" for value in timings)
    print(f"{name}: median {median:.0f} ms, p90 {percentile(timings, 0.9):.0f} ms, min {min(timings):.0f} ms [{shown}]")
    return median


def report_first_load(name: str, found: FirstLoad) -> int:
    """Print the first-load JavaScript and websocket figures; return the gzip total in bytes."""
    raw = sum(found.scripts.values())
    zipped = sum(found.scripts_gzip.values())
    print(
        f"{name}_first_load_js: {len(found.scripts)} files, {raw / 1024:.1f} KiB raw, "
        f"{zipped / 1024:.1f} KiB gzip (server compressed: {'yes' if found.server_compressed else 'no'})"
    )
    print(
        f"{name}_websocket: {found.websocket_frames_sent} frames sent, {found.websocket_frames_received} received, "
        f"{found.websocket_bytes_received / 1024:.1f} KiB received"
    )
    return zipped


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """Run an aiosmtpd server on 127.0.0.1 that keeps every message."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@dataclass
class Serving:
    """Base URLs of the servers that `serving()` started, and the inbox that receives the sign-in codes."""

    tenant: str
    blank: str
    inbox: Inbox
    # The second portal build with `variant_patch` applied, or None without a patch.
    variant: str | None = None


@contextlib.contextmanager
def serving(workdir: Path, *, variant_patch: Path | None = None) -> Iterator[Serving]:
    """Build and serve the portal and the blank app, and with `variant_patch` a patched portal as well.

    Both portals share the database and the SMTP server, so one sign-in serves both:
    the session cookie belongs to the tenant's host name, whatever the port.
    """
    servers: list[Server] = []
    try:
        with smtp_server() as (smtp_port, inbox):
            portal_dir = copy_app(PORTAL_FILES, PROJECT_ROOT, workdir / "portal")
            database_url = seed_database(workdir / "portal.db")
            env = portal_env(database_url, smtp_port, workdir / "outbox")
            portal = start_and_report("portal", portal_dir, env)
            servers.append(portal)

            variant = None
            if variant_patch is not None:
                variant_dir = copy_app(PORTAL_FILES, PROJECT_ROOT, workdir / "variant")
                apply_patch(variant_patch, variant_dir)
                variant_server = start_and_report("patched portal", variant_dir, env)
                servers.append(variant_server)
                variant = f"http://{TENANT}.localhost:{variant_server.port}"

            blank_files = tuple(path.name for path in BLANK_APP.iterdir())
            blank_dir = copy_app(blank_files, BLANK_APP, workdir / "blank")
            shutil.copytree(PROJECT_ROOT / "reflex.lock", blank_dir / "reflex.lock")
            blank = start_and_report("blank app", blank_dir, reflex_env({}))
            servers.append(blank)

            yield Serving(
                tenant=f"http://{TENANT}.localhost:{portal.port}",
                blank=f"http://localhost:{blank.port}",
                inbox=inbox,
                variant=variant,
            )
    finally:
        for server in servers:
            stop_server(server)


def start_and_report(name: str, app_dir: Path, env: dict[str, str]) -> Server:
    """Start a server with `start_server` and print how long the build took."""
    started = time.monotonic()
    server = start_server(app_dir, env)
    print(f"{name} built and serving on 127.0.0.1:{server.port} after {time.monotonic() - started:.0f} s")
    return server


def apply_patch(patch: Path, app_dir: Path) -> None:
    """Apply a unified diff made in the project root (`git diff` output) to a copied app.

    Changes to files outside the copy, such as tests, are left out.
    """
    included = [option for name in PORTAL_FILES for option in (f"--include={name}", f"--include={name}/*")]
    command = ["git", "apply", "--verbose", *included, str(patch.resolve())]
    result = subprocess.run(command, cwd=app_dir, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        msg = (
            f"{patch} failed to apply to a copy of {', '.join(PORTAL_FILES)}. Make it with `git diff` in the"
            f" project root against the checked-out code:\n{result.stderr}"
        )
        raise SystemExit(msg)


def run(workdir: Path, loads: int, *, timeline: bool = False) -> None:
    """Build both apps, time the three pages and print the figures."""
    with serving(workdir) as started:
        measure(started.tenant, started.blank, started.inbox, loads, timeline=timeline)


def measure(tenant: str, blank: str, inbox: Inbox, loads: int, *, timeline: bool = False) -> None:
    """Sign in, warm up, time the loads in turns and print the results.

    With `timeline`, the same number of extra loads of `/overview` and the blank `/data` page
    record when the websocket steps happen. They come after the timed loads, so the recorder
    cannot slow those down.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            signed_in = sign_in(browser, tenant, inbox)
            targets = {
                "login": (f"{tenant}/login", LOGIN_READY, None),
                "overview": (f"{tenant}/overview", OVERVIEW_READY, signed_in),
                "blank": (f"{blank}/data", BLANK_READY, None),
                "static_blank": (f"{blank}/", BLANK_READY, None),
            }
            for url, ready, state in targets.values():
                timed_load(browser, url, ready, state)

            # Take turns, so a burst of load from other jobs on the machine hits all three alike.
            timings: dict[str, list[float]] = {name: [] for name in targets}
            for _ in range(loads):
                for name, (url, ready, state) in targets.items():
                    timings[name].append(timed_load(browser, url, ready, state))

            overview_js = inspect_first_load(browser, *targets["overview"])
            blank_js = inspect_first_load(browser, *targets["blank"])
            steps: dict[str, list[dict[str, float]]] = {"overview": [], "blank": []}
            for _ in range(loads if timeline else 0):
                for name in steps:
                    steps[name].append(timeline_load(browser, *targets[name]))
        finally:
            browser.close()

    print(f"loads per page: {loads}, each in a new browser context (cold HTTP cache), after one warm-up load")
    report("login_ms", timings["login"])
    overview = report("overview_ms", timings["overview"])
    blank = report("blank_ms", timings["blank"])
    static_blank = report("static_blank_ms", timings["static_blank"])
    overview_gzip = report_first_load("overview", overview_js)
    blank_gzip = report_first_load("blank", blank_js)
    print(f"overview_js_gzip_kib={overview_gzip / 1024:.1f} blank_js_gzip_kib={blank_gzip / 1024:.1f}")
    if timeline:
        report_timeline(steps)
    print(f"overview_vs_static_blank_ratio={overview / static_blank:.2f}")
    print(f"overview_vs_blank_ratio={overview / blank:.2f}")


def stop_on_signal(signum, _frame) -> None:
    """Turn SIGTERM and the overall time limit into an exception, so the servers get stopped."""
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    """Parse the options, bound the run in time and clean up the temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=LOADS, help="timed loads per page (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the build logs")
    parser.add_argument(
        "--timeline", action="store_true", help="also time the websocket steps of /overview and the blank page"
    )
    options = parser.parse_args()

    with bounded_workdir("nomos-page-load-", keep=options.keep) as workdir:
        run(workdir, options.loads, timeline=options.timeline)


@contextlib.contextmanager
def bounded_workdir(prefix: str, *, keep: bool = False) -> Iterator[Path]:
    """Yield a temporary folder, stop the run after TOTAL_TIMEOUT_SECONDS or on SIGTERM, then clean up."""
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGALRM, stop_on_signal)
    signal.alarm(TOTAL_TIMEOUT_SECONDS)
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield workdir
    finally:
        signal.alarm(0)
        if keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
