"""Let a tab keep its token when the worker that held its socket has stopped or crashed.

Reflex 0.10.1's RedisTokenManager stores a socket record (owner instance id and socket id) in Redis
for each connected tab token. A tab that connects while a record for its token exists gets a new
token and with it a fresh state, because Reflex takes the record for another open tab of the same
token (a duplicate tab). Records of a crashed worker stay for `redis_token_expiration` (1 h by
default). A stopping worker deletes its records as it disconnects its sockets, and its tabs can
reconnect to another worker before that. Either way customers stay signed in but lose their page
state.

With Redis in use, each worker subscribes to a Redis channel named after its token manager's
instance id for as long as it runs. Redis drops the subscription when the worker unsubscribes at
shutdown or when its connection closes, also on a crash, so `PUBSUB NUMSUB` of that channel shows
whether the owner of a record is still running. When a tab connects and its token's record belongs
to an instance without a subscriber, this worker takes the record over, so the tab keeps its token.
Otherwise Reflex links the token as before, and a duplicate tab of a running instance still gets a
new token.

NOTE: Written against Reflex 0.10.1. It replaces `link_token_to_sid` on the app's token manager
instance and reads the internals named in `REQUIRED_ATTRIBUTES`. If one of them is missing,
`install` logs an error and leaves Reflex's behaviour unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
from collections.abc import AsyncIterator

import reflex as rx
from redis.exceptions import RedisError
from reflex.utils.token_manager import RedisTokenManager, SocketRecord

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "nomos_portal_worker_alive_"
# Internals of reflex.utils.token_manager.RedisTokenManager (Reflex 0.10.1) that this module uses.
REQUIRED_ATTRIBUTES = (
    "redis",
    "instance_id",
    "token_expiration",
    "token_to_socket",
    "sid_to_token",
    "_get_redis_key",
    "_ensure_socket_record_task",
    "link_token_to_sid",
)
# Seconds between checks that the subscription still matches the token manager's instance id,
# which Reflex assigns anew when a server worker starts.
CHECK_INTERVAL_SECONDS = 1.0
# Seconds to wait before subscribing again after a Redis error.
RETRY_DELAY_SECONDS = 1.0
# After the first failed owner check, log only every this many failures.
ERROR_LOG_EVERY = 100

# Replace the record (with an expiry in seconds) only if it still contains the value read before,
# so a record that another worker stored in the meantime stays.
_REPLACE_IF_UNCHANGED = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
    return 1
end
return 0
"""


def liveness_channel(instance_id: str) -> str:
    """Return the channel a running worker instance subscribes to."""
    return f"{CHANNEL_PREFIX}{instance_id}"


async def is_instance_running(redis, instance_id: str) -> bool:
    """Return whether any connection subscribes to the instance's liveness channel."""
    counts = await redis.pubsub_numsub(liveness_channel(instance_id))
    return bool(counts) and int(counts[0][1]) > 0


async def take_over_stale_record(manager: RedisTokenManager, token: str, sid: str) -> bool:
    """Store the token's socket record for this instance and socket if the recorded socket is gone.

    A record of this instance is stale when its socket is no longer linked here, as Reflex's
    `RedisTokenManager._fetch_socket_record` decides. A record of another instance is stale when
    that instance has no liveness subscriber. The record is replaced in one step, not deleted:
    a stopping owner that sees its record deleted stores it again (Reflex's
    `_handle_socket_record_del`), but on a replaced record it caches the new owner and leaves it.

    Returns:
        Whether the token is now linked to `sid` here. False leaves the decision to Reflex.
    """
    key = manager._get_redis_key(token)
    record_bytes = await manager.redis.get(key)
    if not record_bytes:
        return False
    record = pickle.loads(record_bytes)  # noqa: S301 (Reflex stores its SocketRecord with pickle)
    owner = record.instance_id
    if owner == manager.instance_id:
        if manager.sid_to_token.get(record.sid) == token:
            return False
    elif await is_instance_running(manager.redis, owner):
        return False

    new_record = SocketRecord(instance_id=manager.instance_id, sid=sid)
    replaced = await manager.redis.eval(
        _REPLACE_IF_UNCHANGED, 1, key, record_bytes, pickle.dumps(new_record), manager.token_expiration
    )
    if not replaced:
        return False

    # The same local bookkeeping as Reflex's link_token_to_sid after storing a record.
    manager._ensure_socket_record_task()
    previous = manager.token_to_socket.get(token)
    if previous is not None and previous.sid != sid and manager.sid_to_token.get(previous.sid) == token:
        manager.sid_to_token.pop(previous.sid, None)
    manager.token_to_socket[token] = new_record
    manager.sid_to_token[sid] = token
    logger.debug("Took over a tab socket record of stopped worker instance %s", owner)
    return True


class _LinkWithOwnerCheck:
    """Replacement for the token manager's `link_token_to_sid` that first takes over stale records."""

    def __init__(self, manager: RedisTokenManager) -> None:
        self.manager = manager
        self.reflex_link = manager.link_token_to_sid
        self.failures = 0

    async def __call__(self, token: str, sid: str) -> str | None:
        record = self.manager.token_to_socket.get(token)
        # Reflex links a known token and socket pair without a Redis lookup.
        if record is None or record.sid != sid:
            try:
                if await take_over_stale_record(self.manager, token, sid):
                    return None
            except Exception:
                # Any failure here (Redis, an unreadable record, changed internals) must not
                # break the connect: Reflex then decides as it would without this check.
                self.failures += 1
                if self.failures % ERROR_LOG_EVERY == 1:
                    logger.exception(
                        "Checking the owner of a tab socket record failed (%d failures so far). "
                        "Reflex treats the record as a duplicate tab and hands out a new token.",
                        self.failures,
                    )
        return await self.reflex_link(token, sid)


async def _subscribe_while_running(manager: RedisTokenManager) -> None:
    """Subscribe to the liveness channel of the manager's current instance id until cancelled."""
    while True:
        instance_id = manager.instance_id
        try:
            async with manager.redis.pubsub() as pubsub:
                await pubsub.subscribe(liveness_channel(instance_id))
                logger.info("Worker instance %s subscribed to its liveness channel", instance_id)
                while manager.instance_id == instance_id:
                    await pubsub.get_message(ignore_subscribe_messages=True, timeout=CHECK_INTERVAL_SECONDS)
        except (RedisError, OSError) as error:
            logger.error(
                "Liveness subscription of worker instance %s failed: %s. Subscribing again in %.0f s.",
                instance_id,
                error,
                RETRY_DELAY_SECONDS,
            )
            await asyncio.sleep(RETRY_DELAY_SECONDS)


@contextlib.asynccontextmanager
async def _liveness_lifespan(manager: RedisTokenManager) -> AsyncIterator[None]:
    """Keep the liveness subscription while the server runs and drop it when shutdown starts."""
    task = asyncio.create_task(_subscribe_while_running(manager), name="nomos_portal_worker_liveness")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        logger.info("Worker instance %s unsubscribed from its liveness channel", manager.instance_id)


def install(app: rx.App) -> bool:
    """Add the owner check to the app's Redis token manager, unless Redis is not in use.

    Call it once, right after creating the app. Registered after Reflex's own lifespan task, the
    subscription starts after Reflex assigned the worker's instance id and ends before Reflex
    disconnects the worker's sockets.

    Returns:
        Whether the check was installed.
    """
    namespace = app.event_namespace
    manager = getattr(namespace, "_token_manager", None)
    if not isinstance(manager, RedisTokenManager):
        if rx.config.get_config().redis_url:
            logger.error(
                "Redis is configured but the app's token manager is %s, not a RedisTokenManager, "
                "so the owner check (written for Reflex 0.10.1) is not installed.",
                type(manager).__name__,
            )
        return False
    missing = [name for name in REQUIRED_ATTRIBUTES if not hasattr(manager, name)]
    if missing:
        logger.error(
            "Reflex's RedisTokenManager lacks %s, so the owner check (written for Reflex 0.10.1) "
            "is not installed. Tabs that reconnect after a worker restart get a new token and lose their page state.",
            ", ".join(missing),
        )
        return False
    manager.link_token_to_sid = _LinkWithOwnerCheck(manager)
    app.register_lifespan_task(_liveness_lifespan, manager=manager)
    return True
