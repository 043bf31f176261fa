"""Load and fault test: signed-in websocket sessions on two Reflex workers behind nginx, one worker restarted.

How to run (as root, or as a user that may start PostgreSQL, nginx and Redis):

    apt-get install -y postgresql nginx redis-server   # PostgreSQL 15 on Debian 12
    source scripts/env.sh && pip install -r requirements.txt
    python bench/load_test.py                           # 200 sessions, 60 s, about 3 minutes in all
    python bench/load_test.py --sessions 20 --duration 20   # a quick check

Everything runs on 127.0.0.1 and lives in a temporary folder that is removed at the end, also
after a failure or Ctrl-C (`--keep` keeps it, with every process's log): a private PostgreSQL
and Redis, the production frontend built with `reflex export` and served by nginx, and two
`reflex run --env prod --backend-only` workers (one granian process each) sharing PostgreSQL
and Redis. The script seeds the demo data plus `--sessions` extra customers of acme-power and
signs each one in through `/auth/complete` with a ticket from the session service; only the
email code round-trip is skipped.

Each session is a python-socketio client speaking the browser's protocol: the hydrate event in
the CONNECT packet, `on_load_internal` for every page change and the page's event handlers.
Sessions connect spread over `--ramp` seconds, then for `--duration` seconds each loops over
the dashboard, the consumption page (switching views and periods, picking a date) and the
invoice list with one invoice, pausing `--think` seconds between actions. Every
`--reader-every`th session has an analog meter and also submits a meter reading per round.
Halfway through, worker 1 is restarted. By default it gets SIGHUP, as
`scripts/serve-production.sh restart` sends it: Granian starts a new worker process on the same
socket and then stops the old one. `--kill-signal TERM` stops the worker and starts it again, as
`stop` and a new start do, and `--kill-signal KILL` simulates a crash. A worker stopped by SIGHUP
or SIGTERM first closes its websockets one by one over NOMOS_DRAIN_SECONDS (10 s,
nomos_portal/worker_drain.py). Its sessions reconnect with the same tab token, must still be
signed in and must find the view and period they chose (the state lives in Redis).
Reflex 0.10.1 hands a tab a new token with a fresh state when its token's socket record is
still in Redis, and a stopped or crashed worker leaves such records behind;
nomos_portal/worker_liveness.py lets the tab keep its token when the record's worker is gone.
If a session is still handed a new token, the client adopts it as the browser does, and the
check counts the state as lost.
Afterwards the readings in PostgreSQL are compared with those the clients saw accepted.

Output: the set-up steps with their durations; then per event kind the count and p50, p95,
p99 and maximum latency in ms (from sending an event to receiving the update it causes;
`connect` and `reconnect` include the socket handshake and the page's on_load); the RSS of each
worker (process tree) at start, peak and end; how long the restart took; disconnects,
reconnects and state checks after them; readings accepted, stored, lost and stored twice;
the errors by kind with examples; the load average before and after. The last line reads
`sessions=<n> p95_ms=<value> errors=<n> lost_readings=<n>`, where p95 covers all events and
errors include readings stored twice and error records in the worker logs. The exit status
is 0 when the run finished (whatever it measured), 1 when the set-up failed, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import datetime
import json
import logging
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
TENANT = "acme-power"
BERLIN = ZoneInfo("Europe/Berlin")
EVENT_NAMESPACE = "/_event"
# Seconds a session keeps trying to reconnect before its disconnect counts as an error.
RECONNECT_LIMIT = 30.0
# Seconds a restarted worker may take to stop: Granian's 3.5 s overlap, the 10 s drain and some room.
STOP_TIMEOUT = 30.0
# Delay before the nth reconnect attempt, as the browser's incremental backoff.
RECONNECT_STEP = 0.2

logger = logging.getLogger("load_test")


class LoadTestError(RuntimeError):
    """A step of setting up or checking the deployment failed; the message names the step."""


# -- the deployment -----------------------------------------------------------------------


def free_port(preferred: int) -> int:
    """Return `preferred` if no socket uses it, else a free port the kernel picks.

    The defaults lie below Linux's ephemeral range (32768 and up), where outgoing
    connections of the test itself could take a listener's port while a worker restarts.
    Like Reflex's own check, this binds the wildcard address.
    """
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("", preferred))
        except OSError:
            probe.bind(("", 0))
        return probe.getsockname()[1]


def wait_for(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll `check` until it returns True.

    Raises:
        LoadTestError: `check` stayed false for `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if check():
                return
        time.sleep(0.2)
    msg = f"{what} did not come up within {timeout:.0f} s"
    raise LoadTestError(msg)


def http_ok(url: str, host: str | None = None) -> bool:
    """Return whether a GET of a loopback URL returns status 200."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310 (loopback only)
    with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
        return response.status == 200


class Deployment:
    """The processes and files of one test deployment; `close` stops and removes all of them."""

    def __init__(self, workdir: Path, *, keep: bool) -> None:
        self.workdir = workdir
        self.keep = keep
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.closed = False
        # The worker restart runs in a thread; no process may start after `close`.
        self.lock = threading.Lock()

    def start(self, name: str, command: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start a process in its own process group, with its output in `<workdir>/<name>.log`."""
        log_path = self.workdir / f"{name}.log"
        self.logs[name] = log_path
        with self.lock, log_path.open("ab") as log:
            if self.closed:
                msg = f"not starting {name}: the test is shutting down"
                raise LoadTestError(msg)
            process = subprocess.Popen(  # noqa: S603 (fixed commands)
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes[name] = process
        return process

    def stop(self, name: str, *, sig: int = signal.SIGTERM, timeout: float = 10) -> bool:
        """Send `sig` to a process's group and wait for it; SIGKILL after `timeout` seconds.

        Returns:
            Whether the process ended on `sig` alone.
        """
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return True
        # The signal goes to the group leader alone, as to a service's main process. For a
        # worker, granian's supervisor then shuts its worker down and the app's lifespan
        # clean-up runs. A signal to the whole group would end the worker at once.
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, sig)
        ended = True
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            ended = False
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        # Workers the group leader forked may outlive it for a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return ended

    def reload(self, name: str, *, timeout: float = STOP_TIMEOUT) -> bool:
        """Send SIGHUP to a worker's supervisor and wait until its old worker processes have ended.

        Granian starts a new worker process on the same listening socket and stops the old one 3.5 s
        later (its respawn interval), so the port keeps accepting connections throughout.

        Returns:
            Whether the old processes ended within `timeout` seconds.
        """
        process = self.processes[name]
        old = set(child_pids(process.pid))
        os.kill(process.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not old & set(child_pids(process.pid)):
                return True
            time.sleep(0.1)
        return False

    def close(self) -> None:
        """Stop every process (PostgreSQL last) and delete the folder unless asked to keep it."""
        with self.lock:
            self.closed = True
        # Workers before nginx and Redis, so no worker logs a lost Redis connection on its way out.
        names = [name for name in reversed(self.processes) if name != "postgres"]
        for name in names:
            self.stop(name)
        # SIGINT is PostgreSQL's fast shutdown: it ends open connections instead of waiting for them.
        self.stop("postgres", sig=signal.SIGINT, timeout=15)
        if self.keep:
            print(f"kept {self.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root, so root runs its programs as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def start_postgres(deployment: Deployment, port: int) -> str:
    """Create and start a throwaway cluster on 127.0.0.1; returns the SQLAlchemy URL of database `nomos`."""
    data = deployment.workdir / "pg"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run(  # noqa: S603
        as_postgres_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", "nomos", "--auth=trust", "-E", "UTF8"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deployment.start(
        "postgres",
        as_postgres_user(
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(data),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
            ]
        ),
    )

    def accepts() -> bool:
        import psycopg

        try:
            with psycopg.connect(f"host=127.0.0.1 port={port} user=nomos dbname=postgres", autocommit=True) as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'nomos'").fetchone():
                    conn.execute("CREATE DATABASE nomos")
        except psycopg.OperationalError:
            return False
        return True

    wait_for(accepts, timeout=30, what="PostgreSQL")
    return f"postgresql+psycopg://nomos@127.0.0.1:{port}/nomos"


def start_redis(deployment: Deployment, port: int) -> str:
    """Start a Redis without persistence on 127.0.0.1; returns its URL."""
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        msg = "redis-server is missing: install it with `apt-get install -y redis-server`."
        raise LoadTestError(msg)
    folder = deployment.workdir / "redis"
    folder.mkdir()
    deployment.start(
        "redis",
        [
            redis_server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
    )

    def answers() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")

    wait_for(answers, timeout=15, what="Redis")
    return f"redis://127.0.0.1:{port}/0"


NGINX_CONFIG = """\
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {workdir}/nginx-tmp/body;
    proxy_temp_path {workdir}/nginx-tmp/proxy;
    fastcgi_temp_path {workdir}/nginx-tmp/fastcgi;
    uwsgi_temp_path {workdir}/nginx-tmp/uwsgi;
    scgi_temp_path {workdir}/nginx-tmp/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    upstream portal {{
        # Websockets stay open for the whole visit, so new ones go to the worker with the fewest.
        least_conn;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        root {static};
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        location /_event {{
            proxy_pass http://portal;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }}
        location ~ ^/(auth/|api/|tenant\\.css$|ping$|_health$|_upload/) {{
            proxy_pass http://portal;
        }}
        location / {{
            try_files $uri $uri.html $uri/index.html /__spa-fallback.html;
        }}
    }}
}}
"""


def start_nginx(deployment: Deployment, *, port: int, backend_ports: list[int]) -> None:
    """Serve the built frontend and proxy the websocket and the HTTP routes to the workers."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        msg = "nginx is missing: install it with `apt-get install -y nginx`."
        raise LoadTestError(msg)
    (deployment.workdir / "nginx-tmp").mkdir()
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in backend_ports)
    config = deployment.workdir / "nginx.conf"
    config.write_text(
        NGINX_CONFIG.format(
            workdir=deployment.workdir, servers=servers, port=port, static=ROOT / ".web" / "build" / "client"
        )
    )
    user = ["-g", "daemon off; user root;"] if os.geteuid() == 0 else ["-g", "daemon off;"]
    deployment.start("nginx", [nginx, "-e", str(deployment.workdir / "nginx-error.log"), "-c", str(config), *user])
    wait_for(
        lambda: http_ok(f"http://127.0.0.1:{port}/login", host=f"{TENANT}.localhost:{port}"), timeout=15, what="nginx"
    )


def app_environment(*, database_url: str, redis_url: str, proxy_port: int) -> dict[str, str]:
    """Production settings for every portal process; mail goes to a closed port and is never needed."""
    env = dict(os.environ)
    env.update(
        NOMOS_ENV="production",
        DATABASE_URL=database_url,
        BASE_DOMAIN="localhost",
        SECRET_KEY=secrets.token_urlsafe(48),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT="9",
        MAIL_FROM="portal@customerportal.localhost",
        # The demo replay gives every day of the run prices and meter data, as in `make run`.
        DEMO_MODE="true",
        LOG_LEVEL="WARNING",
        REFLEX_REDIS_URL=redis_url,
        API_URL=f"http://localhost:{proxy_port}",
        GRANIAN_WORKERS="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        REFLEX_USE_SYSTEM_BUN="1",
    )
    env.pop("NOMOS_NOW", None)
    return env


def run_step(what: str, command: list[str], env: dict[str, str], log: Path, *, timeout: float = 900) -> str:
    """Run a set-up command to completion in its own process group; returns its output.

    On a failure, a timeout or Ctrl-C the whole group is killed, so no build tool outlives the test.

    Raises:
        LoadTestError: The command failed or ran longer than `timeout` seconds; its output is in `log`.
    """
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 (fixed commands)
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stdout, stderr = "", f"timed out after {timeout:.0f} s"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n{stdout}{stderr}\n")
    if process.returncode != 0:
        msg = f"{what} failed (exit {process.returncode}); see {log}:\n{stderr[-2000:]}"
        raise LoadTestError(msg)
    print(f"  {what}: {time.monotonic() - started:.1f} s", flush=True)
    return stdout


def start_worker(deployment: Deployment, name: str, port: int, env: dict[str, str]) -> None:
    """Start one backend worker (a single granian process) and wait until it answers /ping."""
    deployment.start(
        name,
        [
            sys.executable,
            "-m",
            "reflex",
            "run",
            "--env",
            "prod",
            "--backend-only",
            "--backend-host",
            "127.0.0.1",
            "--backend-port",
            str(port),
        ],
        env=env,
    )
    wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/ping"), timeout=120, what=f"worker {name}")


def child_pids(pid: int) -> list[int]:
    """The direct children of a process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its children, in MiB."""
    import psutil

    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
    return total / 2**20


class MemorySampler(threading.Thread):
    """Samples the RSS of each worker once a second while the sessions run."""

    def __init__(self, deployment: Deployment, names: list[str]) -> None:
        super().__init__(daemon=True)
        self.deployment = deployment
        self.names = names
        self.samples: dict[str, list[float]] = {name: [] for name in names}
        self.halt = threading.Event()

    def run(self) -> None:
        """Sample until `halt` is set."""
        while not self.halt.wait(1.0):
            for name in self.names:
                process = self.deployment.processes.get(name)
                if process is not None and process.poll() is None:
                    self.samples[name].append(tree_rss_mib(process.pid))


# -- preparing data in a subprocess that imports the portal ---------------------------------


def load_customers_csv(count: int, *, reader_every: int, today: datetime.date) -> str:
    """CSV rows for `count` customers of acme-power; every `reader_every`th has an analog meter."""
    start = (today - datetime.timedelta(days=45)).isoformat()
    lines = [
        "plan,email,number,first_name,last_name,locale,status,start_date,address_street,address_house_number,"
        "address_zip,address_city,meter_number,meter_type,grid_operator,estimated_usage"
    ]
    for n in range(count):
        analog = reader_every > 0 and n % reader_every == 0
        lines.append(
            f"{TENANT},load{n:04d}@example.com,LOAD-{n:04d},Last,Kunde {n:04d},de,active,{start},"
            f"Teststraße,{n % 200 + 1},10115,Berlin,LM{n:08d},{'analog' if analog else 'smart'},"
            f"Stromnetz Berlin GmbH,{2500 + n % 10 * 100}"
        )
    return "\n".join(lines) + "\n"


def prepare_data(count: int) -> None:
    """Give the load customers meter data, invoices and, for analog meters, one invoice of basic fees."""
    from sqlmodel import select

    from nomos_portal import clock
    from nomos_portal.db import open_session
    from nomos_portal.models import Invoice, Plan, Subscription
    from nomos_portal.services import invoices, metering, seed, spot_prices

    now = clock.now()
    with open_session() as session:
        subscriptions = session.exec(
            select(Subscription).where(Subscription.number.like("LOAD-%")).order_by(Subscription.id)
        ).all()
        if len(subscriptions) < count:
            msg = f"expected {count} load subscriptions, found {len(subscriptions)}"
            raise LoadTestError(msg)
        # Prices first, as in production, where day-ahead prices arrive before the day's meter data.
        # Replayed later, when a page first shows these days, they would make every customer's
        # daily totals count as stale once and be summed again in the middle of the run.
        today = spot_prices.berlin_date(now)
        first = min(spot_prices.berlin_date(subscription.start_at or now) for subscription in subscriptions)
        spot_prices.ensure_demo_prices(
            session, days=[first + datetime.timedelta(days=n) for n in range((today - first).days + 1)], now=now
        )
        session.commit()
        for subscription in subscriptions:
            metering.ensure_demo_consumption(session, subscription=subscription, now=now)
            metering.seed_demo_readings(session, subscription=subscription, now=now)
        seed.seed_demo_invoices(session, now=now)

        # Analog meters get no demo invoices; bill last month's fixed fees so every session has one to open.
        month_index = today.year * 12 + today.month - 2
        year, month = month_index // 12, month_index % 12 + 1
        for subscription in subscriptions:
            number = f"R-{subscription.number}-{year}{month:02d}"
            if (
                subscription.meter_type != "analog"
                or session.exec(select(Invoice).where(Invoice.invoice_number == number)).first()
            ):
                continue
            plan = session.get(Plan, subscription.plan_id)
            assert plan is not None
            lines = invoices.usage_lines(session, plan=plan, subscription=subscription, year=year, month=month)
            _, end = seed.consumption_bounds(year, month)
            invoices.store_invoice(
                session,
                subscription=subscription,
                invoice_number=number,
                invoice_type="usage",
                year=year,
                month=month,
                period_number=1,
                issued_at=end + datetime.timedelta(hours=6),
                lines=lines,
            )
        session.commit()


def prepare_sessions(count: int) -> None:
    """Start a portal session for each load customer and print tickets and state names as JSON.

    The session service makes the same session a verified sign-in code would; only the
    email round-trip is skipped. The tickets are exchanged for cookies at `/auth/complete`.
    """
    from sqlmodel import select

    from nomos_portal.db import open_session
    from nomos_portal.models import Customer, MeterReading, Plan, Subscription, utc_now
    from nomos_portal.services import sessions
    from nomos_portal.states.consumption import ConsumptionState
    from nomos_portal.states.invoices import InvoiceDetailState, InvoicesState
    from nomos_portal.states.overview import OverviewState

    now = utc_now()
    out = []
    with open_session() as session:
        plan = session.exec(select(Plan).where(Plan.slug == TENANT)).one()
        rows = session.exec(
            select(Subscription, Customer)
            .join(Customer, Customer.id == Subscription.customer_id)
            .where(Subscription.number.like("LOAD-%"))
            .order_by(Subscription.number)
        ).all()
        for subscription, customer in rows[:count]:
            new = sessions.create_session(session, plan=plan, customer=customer, now=now)
            last = session.exec(
                select(MeterReading)
                .where(MeterReading.subscription_id == subscription.id)
                .order_by(MeterReading.read_at.desc())
            ).first()
            out.append(
                {
                    "subscription_id": subscription.id,
                    "meter_type": subscription.meter_type,
                    "ticket": new.handoff_ticket,
                    "last_reading_at": last.read_at.isoformat() if last else None,
                    "last_reading_kwh": str(last.value_kwh) if last else None,
                }
            )
    import reflex as rx
    from reflex_base import constants

    names = {
        "root": rx.State.get_full_name(),
        "overview": OverviewState.get_full_name(),
        "consumption": ConsumptionState.get_full_name(),
        "invoices": InvoicesState.get_full_name(),
        "invoice": InvoiceDetailState.get_full_name(),
        # As the compiled frontend names it: the root state, then the internal state and handler.
        "on_load": f"{rx.State.get_full_name()}.{constants.CompileVars.ON_LOAD_INTERNAL}",
    }
    json.dump({"sessions": out, "names": names}, sys.stdout)


# -- the websocket sessions ---------------------------------------------------------------


@dataclasses.dataclass
class Results:
    """What all sessions measured."""

    latencies_ms: dict[str, list[float]] = dataclasses.field(default_factory=lambda: collections.defaultdict(list))
    # (monotonic time an event was sent, its latency in ms), for the timeline.
    timeline: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    errors: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    error_examples: list[str] = dataclasses.field(default_factory=list)
    disconnects: int = 0
    reconnects: int = 0
    retried_events: int = 0
    state_kept: int = 0
    new_tokens: int = 0
    accepted_readings: list[tuple[int, datetime.date, str]] = dataclasses.field(default_factory=list)
    unanswered_readings: list[tuple[int, datetime.date, str]] = dataclasses.field(default_factory=list)

    def record(self, kind: str, started: float) -> None:
        """Record the latency of an event sent at `started` (time.perf_counter)."""
        latency = (time.perf_counter() - started) * 1000
        self.latencies_ms[kind].append(latency)
        self.timeline.append((time.monotonic() - latency / 1000, latency))

    def error(self, kind: str, detail: str) -> None:
        """Count an error of a kind and keep the first few details."""
        self.errors[kind] += 1
        if len(self.error_examples) < 20:
            self.error_examples.append(f"{kind}: {detail}")


class Disconnected(Exception):
    """The socket closed while a session waited for an answer."""


class TimeUp(Exception):
    """The run's deadline passed; the session stops between two actions."""


class Bounced(Exception):
    """The backend redirected a signed-in session, e.g. to /login."""


def delta_value(delta: dict, state: str, var: str):
    """A var's value in a delta, or None; Reflex suffixes state var names with `_rx_state_`."""
    values = delta.get(state) or {}
    return values.get(f"{var}_rx_state_", values.get(var))


def period_start(view: str, anchor: datetime.date) -> datetime.date:
    """First day of the day, week (from Monday), month or year that contains `anchor`."""
    if view == "week":
        return anchor - datetime.timedelta(days=anchor.weekday())
    if view == "month":
        return anchor.replace(day=1)
    if view == "year":
        return anchor.replace(month=1, day=1)
    return anchor


@dataclasses.dataclass
class Config:
    """Options the sessions share."""

    proxy_port: int
    names: dict[str, str]
    hashes: list[str]
    event_timeout: float
    think: tuple[float, float]
    deadline: float
    results: Results


@dataclasses.dataclass
class Waiter:
    """The answer a session waits for: every update until one that `done` accepts, merged."""

    done: Callable[[dict], bool]
    future: asyncio.Future
    delta: dict = dataclasses.field(default_factory=dict)
    events: list = dataclasses.field(default_factory=list)


class PortalSession:
    """One browser tab of a signed-in customer, driven through the socket.io protocol."""

    def __init__(self, number: int, *, cookie: str, info: dict, config: Config) -> None:
        from decimal import Decimal

        self.number = number
        self.cookie = cookie
        self.info = info
        self.config = config
        self.results = config.results
        self.rng = random.Random(number)  # noqa: S311 (think times, not secrets)
        # The tab's token, kept across reconnects as the browser keeps it in sessionStorage.
        self.token = str(uuid.UUID(int=random.Random(f"token-{number}").getrandbits(128)))  # noqa: S311
        self.client = None
        self.path = "/overview"
        self.first_connect = True
        self.waiter: Waiter | None = None
        self.invoice_rows: list[dict] = []
        # The consumption view and anchor the backend state should hold, None while unknown.
        self.expected_view: str | None = None
        self.expected_anchor: datetime.date | None = None
        self.check_after_reconnect = False
        self.reading_day: datetime.date | None = None
        self.reading_kwh = Decimal(0)
        if info["meter_type"] == "analog" and info["last_reading_at"]:
            self.reading_day = datetime.datetime.fromisoformat(info["last_reading_at"]).astimezone(BERLIN).date()
            self.reading_kwh = Decimal(info["last_reading_kwh"])

    # -- the connection

    def _router_data(self, path: str) -> dict:
        route, _, query = path.partition("?")
        data: dict = {"pathname": route, "asPath": path}
        params = dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair)
        if route.startswith("/invoices/"):
            params["id"] = route.rsplit("/", 1)[1]
        if params:
            data["query"] = params
        return data

    async def connect(self) -> None:
        """Open the socket with the hydrate event in the CONNECT packet and wait for the page's on_load."""
        import socketio

        names = self.config.names
        payload = {"hashes": self.config.hashes} if self.first_connect and self.config.hashes else {}
        boot = {
            "name": f"{names['root']}.hydrate_and_load",
            "payload": payload,
            "router_data": self._router_data(self.path),
        }
        client = socketio.AsyncClient(reconnection=False)
        client.on("event", self._on_update, namespace=EVENT_NAMESPACE)
        client.on("disconnect", self._on_disconnect, namespace=EVENT_NAMESPACE)
        client.on("new_token", self._on_new_token, namespace=EVENT_NAMESPACE)
        host = f"{TENANT}.localhost:{self.config.proxy_port}"
        waiter = self._expect(self._hydrated)
        started = time.perf_counter()
        self.client = client
        await client.connect(
            f"http://127.0.0.1:{self.config.proxy_port}?token={self.token}",
            headers={"Host": host, "Origin": f"http://{host}", "Cookie": f"nomos_session={self.cookie}"},
            auth={"event": boot},
            transports=["websocket"],
            socketio_path="/_event",
            namespaces=[EVENT_NAMESPACE],
            wait_timeout=self.config.event_timeout,
        )
        update = await self._wait(waiter)
        kind = "connect" if self.first_connect else "reconnect"
        self.results.record(kind, started)
        self.first_connect = False
        self._check_update(update)

    async def reconnect(self) -> None:
        """Reconnect like the browser: retry with growing pauses, keep the token, rehydrate the page."""
        self.results.disconnects += 1
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            with contextlib.suppress(Exception):
                await self.client.disconnect()
            try:
                await self.connect()
            except Bounced:
                raise
            except Exception as error:  # any failure means: try again
                if time.monotonic() - started > RECONNECT_LIMIT:
                    self.results.error("reconnect_failed", f"session {self.number}: {error!r}")
                    raise
                await asyncio.sleep(RECONNECT_STEP * min(attempt, 10))
                continue
            self.results.reconnects += 1
            self.check_after_reconnect = True
            return

    async def _on_new_token(self, token: str) -> None:
        # The backend took the token for a duplicate tab and gave this tab a fresh state;
        # the browser adopts the new token, so does this client.
        self.results.new_tokens += 1
        self.token = token

    async def _on_disconnect(self, *args) -> None:
        if self.waiter is not None and not self.waiter.future.done():
            self.waiter.future.set_exception(Disconnected())

    async def _on_update(self, update: dict) -> None:
        for event in update.get("events") or []:
            text = json.dumps(event)
            if "backend_error" in text or "An error occurred" in text:
                self.results.error("backend_exception", f"session {self.number} on {self.path}")
        waiter = self.waiter
        if waiter is None or waiter.future.done():
            return
        for state, values in (update.get("delta") or {}).items():
            waiter.delta.setdefault(state, {}).update(values)
        waiter.events.extend(update.get("events") or [])
        if waiter.done(update):
            waiter.future.set_result({"delta": waiter.delta, "events": waiter.events})

    def _expect(self, done: Callable[[dict], bool]) -> Waiter:
        self.waiter = Waiter(done=done, future=asyncio.get_running_loop().create_future())
        return self.waiter

    async def _wait(self, waiter: Waiter) -> dict:
        try:
            return await asyncio.wait_for(waiter.future, timeout=self.config.event_timeout)
        finally:
            self.waiter = None

    def _hydrated(self, update: dict) -> bool:
        if any(event.get("name") == "_redirect" for event in update.get("events") or []):
            return True
        return delta_value(update.get("delta") or {}, self.config.names["root"], "is_hydrated") is True

    def _check_update(self, update: dict) -> None:
        for event in update.get("events") or []:
            if event.get("name") == "_redirect":
                target = (event.get("payload") or {}).get("path", "")
                msg = f"session {self.number} on {self.path} sent to {target}"
                raise Bounced(msg)

    # -- events

    async def send(self, kind: str, name: str, payload: dict, done: Callable[[dict], bool]) -> dict:
        """Send one event and wait for the update `done` accepts; after a disconnect, reconnect and send it again."""
        import socketio

        if not self.client.connected:
            await self.reconnect()
        for attempt in range(2):
            waiter = self._expect(done)
            started = time.perf_counter()
            try:
                await self.client.emit(
                    "event",
                    {"name": name, "payload": payload, "router_data": self._router_data(self.path)},
                    namespace=EVENT_NAMESPACE,
                )
                update = await self._wait(waiter)
            except (Disconnected, socketio.exceptions.SocketIOError):
                if attempt == 1:
                    raise
                self.results.retried_events += 1
                # A retried event may have run twice (e.g. `shift`), so the expected state is unknown.
                self.expected_view = self.expected_anchor = None
                await self.reconnect()
                continue
            self.results.record(kind, started)
            self._check_update(update)
            return update
        raise AssertionError("unreachable")

    async def open_page(self, path: str) -> dict:
        """Navigate on the client side: the router data changes and `on_load_internal` runs the page's on_load."""
        self.path = path
        kind = "page invoice" if path.startswith("/invoices/") else "page " + path.split("/")[1]
        return await self.send(kind, self.config.names["on_load"], {}, self._hydrated)

    def _changed(self, state_key: str) -> Callable[[dict], bool]:
        state = self.config.names[state_key]
        return lambda update: state in (update.get("delta") or {})

    async def consumption_event(self, handler: str, payload: dict) -> dict:
        """Call a handler of the consumption page and track the view and period it reports."""
        update = await self.send(
            handler, f"{self.config.names['consumption']}.{handler}", payload, self._changed("consumption")
        )
        view = delta_value(update["delta"], self.config.names["consumption"], "view")
        anchor = delta_value(update["delta"], self.config.names["consumption"], "anchor")
        if view:
            self.expected_view = view
        if anchor:
            self.expected_anchor = datetime.date.fromisoformat(anchor)
        return update

    async def think(self) -> None:
        """Pause like a user between two actions; past the run's deadline, end the session instead.

        The first pause after a reconnect first checks that the session's state survived.
        """
        if self.check_after_reconnect:
            await self.check_state_kept()
        low, high = self.config.think
        pause = self.rng.uniform(low, high)
        if time.monotonic() + pause >= self.config.deadline:
            raise TimeUp
        await asyncio.sleep(pause)

    # -- the scenario

    async def consumption_round(self) -> None:
        """Open the consumption page, switch views and periods and pick a date; readers submit a reading."""
        update = await self.open_page("/consumption")
        consumption = self.config.names["consumption"]
        if delta_value(update["delta"], consumption, "view"):
            self.expected_view = delta_value(update["delta"], consumption, "view")
        smart = self.info["meter_type"] == "smart"
        for view in ("week", "month", "year") if smart else ("year", "month"):
            await self.think()
            await self.consumption_event("set_view", {"view": view})
        for steps in (-1, 1):
            await self.think()
            await self.consumption_event("shift", {"steps": steps})
        await self.think()
        # A date only this session picks, checked again after the worker restart.
        day = datetime.date(2026, 1, 1) + datetime.timedelta(days=self.number % 300)
        await self.consumption_event("pick_date", {"value": day.isoformat()})
        self.expected_anchor = day
        if self.reading_day is not None:
            await self.think()
            await self.submit_reading()

    async def submit_reading(self) -> None:
        """Submit the next day's reading as the form does; record it when the page says it was saved."""
        from decimal import Decimal

        consumption = self.config.names["consumption"]
        today = datetime.datetime.now(BERLIN).date()
        if self.reading_day is None or self.reading_day >= today:
            return
        day = self.reading_day + datetime.timedelta(days=1)
        value = self.reading_kwh + Decimal(self.rng.randint(3, 9))
        typed = f"{value:.1f}".replace(".", ",")
        form = {"reading_date": day.isoformat(), "reading_value": typed, "reading_note": f"load test {self.number}"}
        record = (self.info["subscription_id"], day, f"{value:.1f}")
        try:
            update = await self.consumption_event("submit_reading", {"form_data": form})
            error_key = delta_value(update["delta"], consumption, "reading_error_key")
            if error_key == "duplicate_meter_reading":
                # An earlier try was stored before the worker died; confirming replaces it with the same value.
                update = await self.consumption_event("confirm_reading", {})
                error_key = delta_value(update["delta"], consumption, "reading_error_key")
        except (TimeoutError, Disconnected, ConnectionError):
            self.results.unanswered_readings.append(record)
            raise
        if delta_value(update["delta"], consumption, "reading_saved_text"):
            self.results.accepted_readings.append(record)
            self.reading_day, self.reading_kwh = day, value
        else:
            self.results.error("reading_rejected", f"session {self.number}: {error_key} for {day}")

    async def invoice_round(self) -> None:
        """Open the invoice list, then one invoice from it."""
        update = await self.open_page("/invoices")
        rows = delta_value(update["delta"], self.config.names["invoices"], "invoice_rows")
        if rows is not None:
            self.invoice_rows = rows
        if not self.invoice_rows:
            self.results.error("no_invoice", f"session {self.number}")
            return
        await self.think()
        href = self.invoice_rows[self.rng.randrange(len(self.invoice_rows))]["href"]
        update = await self.open_page(href)
        if delta_value(update["delta"], self.config.names["invoice"], "found") is not True:
            self.results.error("invoice_not_found", f"session {self.number}: {href}")

    async def check_state_kept(self) -> None:
        """After a reconnect, the consumption view and period this session chose are still in its state (Redis)."""
        self.check_after_reconnect = False
        if self.expected_view is None or self.expected_anchor is None:
            return
        view, anchor = self.expected_view, self.expected_anchor
        await self.open_page("/consumption")
        # `shift(0)` changes nothing but sends the period start, computed from the stored view and anchor.
        update = await self.consumption_event("shift", {"steps": 0})
        got = delta_value(update["delta"], self.config.names["consumption"], "anchor")
        expected = period_start(view, anchor).isoformat()
        if got == expected:
            self.results.state_kept += 1
        else:
            self.results.error("state_lost", f"session {self.number}: period {got}, expected {expected} ({view})")

    async def run(self) -> None:
        """Connect, then repeat dashboard, consumption and invoice until the deadline."""
        try:
            await self.connect()
            while time.monotonic() < self.config.deadline:
                await self.think()
                await self.open_page("/overview")
                await self.think()
                await self.consumption_round()
                await self.think()
                await self.invoice_round()
        except TimeUp:
            pass
        except Bounced as error:
            self.results.error("signed_out", str(error))
        except TimeoutError:
            self.results.error("timeout", f"session {self.number} on {self.path}")
        except Exception as error:  # every failure of a session is counted
            self.results.error("session_failed", f"session {self.number} on {self.path}: {error!r}")
        finally:
            if self.client is not None:
                with contextlib.suppress(Exception):
                    await self.client.disconnect()


# -- running it ---------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by the nearest-rank method."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def sign_in(proxy_port: int, tickets: list[str]) -> list[str]:
    """Exchange each ticket at `/auth/complete` through the proxy; returns the session cookies."""
    import http.client

    cookies = []
    for ticket in tickets:
        conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=10)
        conn.request(
            "GET",
            f"/auth/complete?ticket={ticket}&next=/overview",
            headers={"Host": f"{TENANT}.localhost:{proxy_port}"},
        )
        response = conn.getresponse()
        response.read()
        match = re.search(r"nomos_session=([^;]+)", response.getheader("Set-Cookie") or "")
        conn.close()
        if response.status != 303 or match is None:
            msg = f"/auth/complete answered {response.status} without a session cookie"
            raise LoadTestError(msg)
        cookies.append(match.group(1))
    return cookies


def state_hashes() -> list[str]:
    """The per-state hashes the built frontend sends with its first hydrate, read from its JavaScript."""
    for path in (ROOT / ".web" / "build" / "client" / "assets").glob("*.js"):
        match = re.search(r"initialStateHashes=\[([^\]]*)\]", path.read_text(errors="replace"))
        if match:
            return re.findall(r"[`'\"]([0-9a-f]+)[`'\"]", match.group(1))
    return []


async def drive(sessions: list[PortalSession], *, ramp: float, restart: Callable[[], None], restart_at: float) -> None:
    """Start the sessions spread over `ramp` seconds and restart a worker at `restart_at` (monotonic)."""

    async def staggered(index: int, session: PortalSession) -> None:
        await asyncio.sleep(ramp * index / max(len(sessions), 1))
        await session.run()

    async def restarter() -> None:
        await asyncio.sleep(max(0.0, restart_at - time.monotonic()))
        await asyncio.to_thread(restart)

    tasks = [asyncio.create_task(staggered(i, s)) for i, s in enumerate(sessions)]
    restart_task = asyncio.create_task(restarter())
    await asyncio.gather(*tasks)
    await restart_task


def count_readings(database_url: str, results: Results, subscription_ids: list[int], since: dict[int, str]) -> dict:
    """Compare the stored customer readings of the run with what clients saw accepted."""
    import psycopg

    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT subscription_id, read_at, value_kwh FROM meter_reading "
            "WHERE subscription_id = ANY(%s) AND note LIKE 'load test %%'",
            (subscription_ids,),
        ).fetchall()
    stored = collections.Counter(
        (sub, read_at.astimezone(BERLIN).date(), f"{value:.1f}") for sub, read_at, value in rows
    )
    per_day = collections.Counter((sub, day) for sub, day, _ in stored.elements())
    accepted = set(results.accepted_readings)
    lost = [record for record in accepted if stored[record] == 0]
    doubled = sum(count - 1 for count in per_day.values() if count > 1)
    unseen = [record for record in stored if record not in accepted]
    return {"stored": len(rows), "accepted": len(accepted), "lost": lost, "doubled": doubled, "unseen": unseen}


def log_errors(path: Path) -> int:
    """Count backend exceptions and error records in a worker log."""
    if not path.exists():
        return 0
    text = path.read_text(errors="replace")
    return text.count("[Reflex Backend Exception]") + len(re.findall(r"^\S* ?ERROR", text, flags=re.MULTILINE))


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the test and clean up; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200, help="concurrent signed-in sessions (default 200)")
    parser.add_argument("--duration", type=float, default=60, help="seconds the sessions run (default 60)")
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which sessions connect (default 10)")
    parser.add_argument(
        "--think", default="2-5", help="pause between a user's actions in seconds, MIN-MAX (default 2-5)"
    )
    parser.add_argument("--reader-every", type=int, default=4, help="every Nth session submits readings (default 4)")
    parser.add_argument("--event-timeout", type=float, default=20, help="seconds to wait for an answer (default 20)")
    parser.add_argument(
        "--kill-signal",
        choices=["HUP", "KILL", "TERM"],
        default="HUP",
        help=(
            "how worker 1 is restarted mid-run: HUP starts a new worker process before the old one stops "
            "(the production restart), TERM stops the worker and starts it again, KILL is a crash (default HUP)"
        ),
    )
    parser.add_argument("--no-restart", action="store_true", help="leave both workers running")
    parser.add_argument(
        "--skip-build", action="store_true", help="reuse .web/build from an earlier run on the same port"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with logs and data")
    parser.add_argument("--proxy-port", type=int, default=27480)
    parser.add_argument("--pg-port", type=int, default=27432)
    parser.add_argument("--redis-port", type=int, default=27379)
    parser.add_argument("--worker-ports", default="27801,27802")
    args = parser.parse_args(argv)
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))

    workdir = Path(tempfile.mkdtemp(prefix="nomos-load-"))
    workdir.chmod(0o755)  # the postgres user needs to reach its data folder
    deployment = Deployment(workdir, keep=args.keep)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        return run(args, deployment, think)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    except LoadTestError as error:
        print(f"load test failed: {error}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C must not stop the clean-up half-way.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        deployment.close()


def run(args: argparse.Namespace, deployment: Deployment, think: tuple[float, float]) -> int:
    """Set up the deployment, drive the sessions, restart a worker halfway and print the figures."""
    workdir = deployment.workdir
    setup_log = workdir / "setup.log"
    proxy_port = free_port(args.proxy_port)
    worker_ports = [free_port(int(p)) for p in args.worker_ports.split(",")]
    if len(worker_ports) != 2:
        msg = "--worker-ports takes two ports"
        raise LoadTestError(msg)
    print(f"folder {workdir}", flush=True)

    # services and data
    print("setting up", flush=True)
    database_url = start_postgres(deployment, free_port(args.pg_port))
    redis_url = start_redis(deployment, free_port(args.redis_port))
    env = app_environment(database_url=database_url, redis_url=redis_url, proxy_port=proxy_port)
    portal = [sys.executable, "-m", "nomos_portal"]
    run_step("migrate", [*portal, "migrate"], env, setup_log)
    run_step("seed", [*portal, "seed"], env, setup_log)
    csv = workdir / "load-customers.csv"
    csv.write_text(
        load_customers_csv(args.sessions, reader_every=args.reader_every, today=datetime.datetime.now(BERLIN).date())
    )
    run_step("import-customers", [*portal, "import-customers", str(csv)], env, setup_log)
    this = [sys.executable, str(Path(__file__).resolve())]
    run_step("meter data and invoices", [*this, "_prepare-data", str(args.sessions)], env, setup_log)

    # the frontend, the workers and the proxy
    stamp = ROOT / ".web" / "build" / "load-test-port"
    if not (args.skip_build and stamp.exists() and stamp.read_text() == str(proxy_port)):
        # The export rewrites reflex.lock/package.json on one line; put the committed bytes back.
        lock = ROOT / "reflex.lock" / "package.json"
        committed = lock.read_bytes() if lock.exists() else None
        try:
            run_step(
                "reflex export",
                [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod"],
                env,
                setup_log,
            )
        finally:
            if committed is not None and json.loads(lock.read_bytes()) == json.loads(committed):
                lock.write_bytes(committed)
        stamp.write_text(str(proxy_port))
    workers = ["worker-1", "worker-2"]
    for name, port in zip(workers, worker_ports, strict=True):
        started = time.monotonic()
        start_worker(deployment, name, port, env)
        print(f"  {name} on {port}: {time.monotonic() - started:.1f} s", flush=True)
    start_nginx(deployment, port=proxy_port, backend_ports=worker_ports)

    # sign-in and sessions
    prepared = json.loads(run_step("sessions", [*this, "_prepare-sessions", str(args.sessions)], env, setup_log))
    infos = prepared["sessions"]
    cookies = sign_in(proxy_port, [info["ticket"] for info in infos])
    results = Results()
    start = time.monotonic()
    config = Config(
        proxy_port=proxy_port,
        names=prepared["names"],
        hashes=state_hashes(),
        event_timeout=args.event_timeout,
        think=think,
        deadline=start + args.ramp + args.duration,
        results=results,
    )
    sessions = [
        PortalSession(n, cookie=c, info=i, config=config) for n, (c, i) in enumerate(zip(cookies, infos, strict=True))
    ]
    sampler = MemorySampler(deployment, workers)
    sampler.start()
    restart_times: dict[str, float] = {}

    def restart() -> None:
        if args.no_restart:
            return
        began = time.monotonic()
        restart_times["at"] = began
        if args.kill_signal == "HUP":
            restart_times["clean"] = deployment.reload("worker-1")
            restart_times["stop_s"] = restart_times["down_s"] = time.monotonic() - began
            return
        # A stopping worker first closes its websockets over NOMOS_DRAIN_SECONDS (10 s).
        restart_times["clean"] = deployment.stop(
            "worker-1", sig=getattr(signal, f"SIG{args.kill_signal}"), timeout=STOP_TIMEOUT
        )
        restart_times["stop_s"] = time.monotonic() - began
        start_worker(deployment, "worker-1", worker_ports[0], env)
        restart_times["down_s"] = time.monotonic() - began

    load_before = os.getloadavg()
    print(f"running {len(sessions)} sessions for {args.duration:.0f} s after a {args.ramp:.0f} s ramp", flush=True)
    asyncio.run(drive(sessions, ramp=args.ramp, restart=restart, restart_at=start + args.ramp + args.duration / 2))
    sampler.halt.set()
    sampler.join()
    elapsed = time.monotonic() - start

    # the figures
    readers = [info["subscription_id"] for info in infos if info["meter_type"] == "analog"]
    readings = count_readings(database_url, results, readers, {})
    for name in workers:
        count = log_errors(deployment.logs[name])
        if count:
            results.error("worker_log_errors", f"{name}: {count} error records")
    print_summary(args, results, readings, sampler, restart_times, elapsed, len(sessions))
    print_timeline(results, start=start, restart_at=restart_times.get("at"))
    print(
        "load average (1, 5, 15 min) before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f} on {} CPUs".format(
            *load_before, *os.getloadavg(), os.cpu_count()
        )
    )
    errors = sum(results.errors.values()) + readings["doubled"]
    all_ms = [ms for values in results.latencies_ms.values() for ms in values]
    lost = len(readings["lost"])
    print(f"sessions={len(sessions)} p95_ms={percentile(all_ms, 95):.0f} errors={errors} lost_readings={lost}")
    return 0


def print_timeline(results: Results, *, start: float, restart_at: float | None, bucket: float = 5.0) -> None:
    """Print the events of each 5 s of the run by when they were sent: count, p50, p95 and maximum."""
    buckets: dict[int, list[float]] = collections.defaultdict(list)
    for sent, latency in results.timeline:
        buckets[int((sent - start) // bucket)].append(latency)
    print(f"timeline (by send time){'':<4}{'events':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for index in sorted(buckets):
        values = buckets[index]
        low = index * bucket
        mark = ""
        if restart_at is not None and low <= restart_at - start < low + bucket:
            mark = "  <- worker-1 restarted"
        print(
            f"  {low:>5.0f}-{low + bucket:<5.0f} s{'':<13}{len(values):>7}{percentile(values, 50):>9.0f}"
            f"{percentile(values, 95):>9.0f}{max(values):>9.0f}{mark}"
        )


def print_summary(
    args, results: Results, readings: dict, sampler: MemorySampler, restart_times, elapsed, count
) -> None:
    """Print the latency table, memory, restart, reconnect, reading and error figures."""
    all_ms = [ms for values in results.latencies_ms.values() for ms in values]
    print(f"\nran {elapsed:.0f} s; {len(all_ms)} events, {len(all_ms) / max(elapsed, 1):.1f} per second")
    print(f"{'event':<18}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind in sorted(results.latencies_ms):
        values = results.latencies_ms[kind]
        print(
            f"{kind:<18}{len(values):>7}{percentile(values, 50):>9.0f}{percentile(values, 95):>9.0f}"
            f"{percentile(values, 99):>9.0f}{max(values):>9.0f}"
        )
    print(
        f"{'all':<18}{len(all_ms):>7}{percentile(all_ms, 50):>9.0f}{percentile(all_ms, 95):>9.0f}"
        f"{percentile(all_ms, 99):>9.0f}{max(all_ms, default=0):>9.0f}"
    )
    for name, samples in sampler.samples.items():
        if samples:
            print(f"memory {name}: start {samples[0]:.0f} MiB, peak {max(samples):.0f} MiB, end {samples[-1]:.0f} MiB")
    if restart_times and args.kill_signal == "HUP":
        late = "" if restart_times["clean"] else ", but the old process was still running at the timeout"
        print(f"worker-1 reloaded with SIGHUP: old process ended after {restart_times['stop_s']:.1f} s{late}")
    elif restart_times:
        how = "" if restart_times["clean"] else ", then SIGKILL after the timeout"
        print(
            f"worker-1 stopped with SIG{args.kill_signal} in {restart_times['stop_s']:.1f} s{how}; "
            f"answering again after {restart_times['down_s']:.1f} s"
        )
    print(
        f"disconnects {results.disconnects}, reconnects {results.reconnects}, events retried {results.retried_events}, "
        f"state checked after reconnect {results.state_kept} kept, {results.errors['state_lost']} lost, "
        f"new tokens {results.new_tokens}"
    )
    print(
        f"readings: {readings['accepted']} accepted by clients, {readings['stored']} stored, "
        f"lost {len(readings['lost'])}, stored twice {readings['doubled']}, "
        f"stored without an answer {len(readings['unseen'])} ({len(results.unanswered_readings)} unanswered)"
    )
    print(f"errors: {dict(results.errors) or 'none'}")
    for example in results.error_examples:
        print(f"  {example}")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    if len(sys.argv) > 1 and sys.argv[1] == "_prepare-data":
        sys.path.insert(0, str(ROOT))
        prepare_data(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_prepare-sessions":
        sys.path.insert(0, str(ROOT))
        prepare_sessions(int(sys.argv[2]))
    else:
        sys.exit(main())
