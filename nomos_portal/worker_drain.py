"""Move a stopping worker's browser tabs to other workers a few at a time instead of all at once.

When a worker process stops (a restart, a deploy, `serve-production.sh stop`), all its websockets
close at the same moment. Every tab then reconnects and hydrates in full, and the page's on_load
runs again, so the workers that take the tabs over get one burst of expensive events. In the load
test (bench/load_test.py), a hundred tabs in one burst delayed every other event for seconds.

With a drain time set (NOMOS_DRAIN_SECONDS, 10 s by default in production), the first SIGTERM no
longer stops the worker at once. The worker rejects new socket.io connections and closes its open
websockets one by one, spread evenly over the drain time. Then it passes the signal on to Granian,
which stops the worker as before. The browser takes a closed websocket for a lost connection and
reconnects by itself. With Redis, the tab keeps its state. After a rejected connection the browser
retries after a short pause, and the retry reaches another worker (or the new process of the same
instance, see `scripts/serve-production.sh restart`). A second SIGTERM during the drain stops the
worker at once.

NOTE: Written against Granian 2.8 and Reflex 0.10.1. Granian's worker handles SIGTERM through the
asyncio loop's signal handlers; this module wraps the handler found in the loop's private
`_signal_handlers` table. If that table or the app's socket.io server is missing, `install` logs a
warning and the worker stops as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

import reflex as rx
import socketio

logger = logging.getLogger(__name__)


class _Drain:
    """Drain of one worker process: once started, it rejects connections and closes the open sockets."""

    def __init__(self, app: rx.App, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.started = False
        self.task: asyncio.Task | None = None

    def reject_while_draining(self, namespace) -> None:
        """Wrap the namespace's connect handler so that it rejects connections during the drain."""
        connect = namespace.on_connect

        async def on_connect(sid: str, environ: dict, auth=None):
            if self.started:
                # socket.io reports the rejection to the client, which retries after a pause.
                raise socketio.exceptions.ConnectionRefusedError("worker is stopping")
            return await connect(sid, environ, auth)

        namespace.on_connect = on_connect

    def start(self, stop) -> None:
        """Begin the drain on the first signal, and stop at once on a second one."""
        if self.started:
            logger.info("Second stop signal during the drain: stopping now")
            if self.task is not None and not self.task.done():
                # The cancelled drain stops the worker on its way out.
                self.task.cancel()
            else:
                stop()
            return
        self.started = True
        self.task = asyncio.get_running_loop().create_task(self._run(stop), name="nomos_portal_worker_drain")

    async def _run(self, stop) -> None:
        try:
            await self.close_sockets()
        except Exception:
            logger.exception("Draining the worker's websockets failed; stopping now")
        finally:
            stop()

    async def close_sockets(self) -> None:
        """Close every open websocket of this worker, spread evenly over the drain time."""
        namespace = self.app.event_namespace
        server = self.app.sio
        if namespace is None or server is None:
            return
        sids = list(namespace.sid_to_token)
        if not sids:
            return
        pause = self.seconds / len(sids)
        logger.info("Stopping: closing %d websockets over %g s", len(sids), self.seconds)
        for sid in sids:
            eio_sid = server.manager.eio_sid_from_sid(sid, namespace.namespace)
            if eio_sid is not None:
                # Close the engine.io socket instead of a socket.io disconnect: the browser reconnects
                # at once after a lost connection, but after a server disconnect only on the next click.
                with contextlib.suppress(Exception):
                    await server.eio.disconnect(eio_sid)
            await asyncio.sleep(pause)
        logger.info("Stopping: all websockets closed")


@contextlib.asynccontextmanager
async def _drain_lifespan(drain: _Drain) -> AsyncIterator[None]:
    """Wrap the worker loop's SIGTERM handler with the drain while the server runs."""
    loop = asyncio.get_running_loop()
    handlers = getattr(loop, "_signal_handlers", None)
    handle = handlers.get(signal.SIGTERM) if isinstance(handlers, dict) else None
    if handle is None:
        logger.warning(
            "No SIGTERM handler on the worker's event loop (Granian 2.8 sets one), so a stopping worker "
            "closes all its websockets at once."
        )
        yield
        return

    def stop() -> None:
        handle._run()

    loop.add_signal_handler(signal.SIGTERM, drain.start, stop)
    yield


def install(app: rx.App, *, seconds: float) -> bool:
    """Install the drain: on SIGTERM, close this app's websockets over `seconds` (0 turns it off).

    Call it once, right after creating the app.

    Returns:
        Whether the drain was installed.
    """
    if seconds <= 0:
        return False
    namespace = app.event_namespace
    if namespace is None or not hasattr(namespace, "sid_to_token") or getattr(app, "sio", None) is None:
        logger.warning(
            "The app has no socket.io server or event namespace in this Reflex version, "
            "so a stopping worker closes all its websockets at once."
        )
        return False
    drain = _Drain(app, seconds)
    drain.reject_while_draining(namespace)
    app.register_lifespan_task(_drain_lifespan, drain=drain)
    return True
