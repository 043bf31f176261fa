"""A stopping production worker closes its websockets one by one (nomos_portal/worker_drain.py).

Each test starts a real backend (`reflex run --env prod --backend-only`, one Granian worker) and
connects socket.io clients that speak the browser's protocol. Then it stops the server as a process
manager does, with SIGTERM to the main process only, which passes the signal on to its worker.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio

from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY, migrate

DRAIN_SECONDS = 2.0
CLIENTS = 4
START_TIMEOUT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Backend:
    """One production backend process on a loopback port, with its log."""

    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    def wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the backend exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ping", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        pytest.fail(f"the backend did not answer within {START_TIMEOUT_SECONDS} s:\n{self.log.read_text()[-3000:]}")


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    migrate(database)
    port = free_port()
    env = {
        **os.environ,
        "NOMOS_ENV": "production",
        "NOMOS_DRAIN_SECONDS": str(DRAIN_SECONDS),
        "DATABASE_URL": database,
        "SECRET_KEY": TEST_SECRET_KEY,
        "BASE_DOMAIN": "localhost",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "portal@customerportal.localhost",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REDIS_URL": "",
    }
    for name in ("REFLEX_DB_URL", "REFLEX_REDIS_URL", "GRANIAN_WORKERS"):
        env.pop(name, None)
    log = tmp_path / "backend.log"
    command = [
        str(PROJECT_ROOT / ".venv" / "bin" / "python"),
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
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Backend(process, port, log)
    try:
        running.wait_until_answering()
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class RecordingClient(socketio.AsyncClient):
    """A socket.io client that counts the namespace disconnects the server sends."""

    namespace_disconnects = 0

    async def _handle_disconnect(self, namespace):
        self.namespace_disconnects += 1
        await super()._handle_disconnect(namespace)


class Tab:
    """A socket.io client on the event namespace, as one browser tab, that records when it lost its socket."""

    def __init__(self, port: int, number: int) -> None:
        self.port = port
        self.token = f"drain-test-{number}"
        self.client = RecordingClient(reconnection=False)
        self.lost_at: float | None = None
        self.client.on("disconnect", self._on_disconnect, namespace="/_event")

    async def _on_disconnect(self, *reason) -> None:
        self.lost_at = time.monotonic()

    async def connect(self) -> None:
        await self.client.connect(
            f"http://127.0.0.1:{self.port}?token={self.token}",
            headers={"Host": f"acme-power.localhost:{self.port}"},
            transports=["websocket"],
            socketio_path="/_event",
            namespaces=["/_event"],
            wait_timeout=10,
        )


async def wait_until(check, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)


def test_sigterm_drains_sockets_gradually(backend: Backend):
    async def scenario() -> tuple[list[Tab], float, BaseException | None]:
        tabs = [Tab(backend.port, n) for n in range(CLIENTS)]
        for tab in tabs:
            await tab.connect()
        signalled = time.monotonic()
        os.kill(backend.process.pid, signal.SIGTERM)
        # The worker gets the signal from Granian's main process a moment later.
        await wait_until(lambda: any(tab.lost_at for tab in tabs), timeout=5)
        rejected = None
        late = Tab(backend.port, CLIENTS)
        try:
            await late.connect()
        except socketio.exceptions.ConnectionError as error:
            rejected = error
        await wait_until(lambda: all(tab.lost_at for tab in tabs), timeout=DRAIN_SECONDS + 5)
        return tabs, signalled, rejected

    tabs, signalled, rejected = asyncio.run(scenario())
    backend.process.wait(timeout=DRAIN_SECONDS + 10)

    lost = sorted(tab.lost_at - signalled for tab in tabs)
    # Spread evenly over the drain: one socket every DRAIN_SECONDS / CLIENTS seconds.
    gaps = [later - earlier for earlier, later in itertools.pairwise(lost)]
    assert min(gaps) > DRAIN_SECONDS / CLIENTS * 0.5, lost
    assert lost[-1] - lost[0] < DRAIN_SECONDS + 1, lost
    # Only the transport closed. After a socket.io disconnect from the server, the browser would
    # reconnect only on the next click.
    assert [tab.client.namespace_disconnects for tab in tabs] == [0] * CLIENTS
    assert rejected is not None, "a connection during the drain was accepted"
    assert "Stopping: closing 4 websockets over 2 s" in backend.log.read_text()


def test_second_sigterm_stops_at_once(backend: Backend):
    (worker,) = Path(f"/proc/{backend.process.pid}/task/{backend.process.pid}/children").read_text().split()

    async def scenario() -> None:
        tabs = [Tab(backend.port, n) for n in range(CLIENTS)]
        for tab in tabs:
            await tab.connect()
        os.kill(backend.process.pid, signal.SIGTERM)
        await wait_until(lambda: any(tab.lost_at for tab in tabs), timeout=5)
        # A process manager that gives up waiting signals the worker itself.
        os.kill(int(worker), signal.SIGTERM)
        await wait_until(lambda: all(tab.lost_at for tab in tabs), timeout=DRAIN_SECONDS)

    started = time.monotonic()
    asyncio.run(scenario())
    backend.process.wait(timeout=DRAIN_SECONDS + 10)
    assert time.monotonic() - started < DRAIN_SECONDS
    assert "Second stop signal during the drain: stopping now" in backend.log.read_text()
