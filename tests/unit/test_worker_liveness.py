"""The owner check on Reflex's Redis token manager, against the Redis server in TEST_REDIS_URL.

Skipped when TEST_REDIS_URL is not set (`scripts/services.sh` prints it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace

import pytest
from redis.asyncio import Redis
from reflex.utils.token_manager import RedisTokenManager, SocketRecord

from nomos_portal import worker_liveness

# Seconds to wait for a subscription to show in PUBSUB NUMSUB.
SUBSCRIBE_TIMEOUT_SECONDS = 5.0


@pytest.fixture
def redis_url() -> str:
    """The Redis server URL from TEST_REDIS_URL; skips the test without one."""
    url = os.environ.get("TEST_REDIS_URL", "").strip()
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    return url


class Worker:
    """A Redis token manager with the owner check installed, as one backend worker has it."""

    def __init__(self, redis_url: str) -> None:
        # The name identifies this worker's connections in CLIENT LIST.
        self.client_name = f"nomos-test-{uuid.uuid4().hex}"
        self.manager = RedisTokenManager(Redis.from_url(redis_url, client_name=self.client_name))
        self.lifespan_tasks: list[Callable[[], contextlib.AbstractAsyncContextManager]] = []
        app = SimpleNamespace(
            event_namespace=SimpleNamespace(_token_manager=self.manager),
            register_lifespan_task=lambda task, **kwargs: self.lifespan_tasks.append(lambda: task(**kwargs)),
        )
        self.installed = worker_liveness.install(app)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the registered lifespan task, as the server does from startup to shutdown."""
        (lifespan,) = self.lifespan_tasks
        async with lifespan():
            await wait_until_running(self.manager)
            yield


async def wait_until_running(manager: RedisTokenManager) -> None:
    deadline = asyncio.get_running_loop().time() + SUBSCRIBE_TIMEOUT_SECONDS
    while not await worker_liveness.is_instance_running(manager.redis, manager.instance_id):
        if asyncio.get_running_loop().time() > deadline:
            msg = f"instance {manager.instance_id} did not subscribe within {SUBSCRIBE_TIMEOUT_SECONDS} s"
            raise TimeoutError(msg)
        await asyncio.sleep(0.05)


async def wait_for_keyspace_subscriber(worker: Worker) -> None:
    """Wait until the keyspace subscriber of `worker` has subscribed, as Reflex starts it in the background."""
    deadline = asyncio.get_running_loop().time() + SUBSCRIBE_TIMEOUT_SECONDS
    while True:
        clients = await worker.manager.redis.client_list()
        if any(c.get("name") == worker.client_name and int(c.get("psub", 0)) > 0 for c in clients):
            return
        if asyncio.get_running_loop().time() > deadline:
            msg = f"keyspace subscriber of {worker.client_name} did not start within {SUBSCRIBE_TIMEOUT_SECONDS} s"
            raise TimeoutError(msg)
        await asyncio.sleep(0.05)


async def stored_record(manager: RedisTokenManager, token: str) -> SocketRecord | None:
    record_bytes = await manager.redis.get(manager._get_redis_key(token))
    return pickle.loads(record_bytes) if record_bytes else None  # noqa: S301 (written by Reflex or this test)


async def store_record(manager: RedisTokenManager, token: str, record: SocketRecord) -> None:
    await manager.redis.set(manager._get_redis_key(token), pickle.dumps(record), ex=60)


def run_with_workers(redis_url: str, count: int, scenario: Callable[..., Awaitable[None]]) -> None:
    """Run `scenario(*workers)` on a fresh event loop and close the workers' Redis clients after."""

    async def main() -> None:
        workers = [Worker(redis_url) for _ in range(count)]
        try:
            await asyncio.wait_for(scenario(*workers), timeout=30)
        finally:
            for worker in workers:
                await worker.manager.close()

    asyncio.run(main())


def test_install_on_redis_token_manager(redis_url):
    async def scenario(worker: Worker) -> None:
        assert worker.installed
        assert len(worker.lifespan_tasks) == 1

    run_with_workers(redis_url, 1, scenario)


def test_link_stale_owner_keeps_token(redis_url):
    token = str(uuid.uuid4())

    async def scenario(worker: Worker) -> None:
        stopped_instance = str(uuid.uuid4())
        await store_record(worker.manager, token, SocketRecord(instance_id=stopped_instance, sid="old-sid"))

        async with worker.running():
            new_token = await worker.manager.link_token_to_sid(token, "new-sid")

        assert new_token is None
        record = await stored_record(worker.manager, token)
        assert record == SocketRecord(instance_id=worker.manager.instance_id, sid="new-sid")
        assert await worker.manager.redis.ttl(worker.manager._get_redis_key(token)) > 60
        assert worker.manager.token_to_socket[token] == record
        assert worker.manager.sid_to_token["new-sid"] == token

    run_with_workers(redis_url, 1, scenario)


def test_link_live_owner_gets_new_token(redis_url):
    token = str(uuid.uuid4())

    async def scenario(owner: Worker, other: Worker) -> None:
        async with owner.running(), other.running():
            assert await owner.manager.link_token_to_sid(token, "first-tab") is None
            new_token = await other.manager.link_token_to_sid(token, "second-tab")

            assert new_token is not None
            assert new_token != token
            assert await stored_record(owner.manager, token) == SocketRecord(
                instance_id=owner.manager.instance_id, sid="first-tab"
            )
            assert await stored_record(other.manager, new_token) == SocketRecord(
                instance_id=other.manager.instance_id, sid="second-tab"
            )

    run_with_workers(redis_url, 2, scenario)


def test_link_after_owner_shutdown_keeps_token(redis_url):
    token = str(uuid.uuid4())

    async def scenario(owner: Worker, other: Worker) -> None:
        async with other.running():
            async with owner.running():
                assert await owner.manager.link_token_to_sid(token, "tab-on-owner") is None
            # The owner's lifespan ended, but its socket record is still in Redis, as while a
            # stopping worker has not yet disconnected its sockets.
            assert await stored_record(other.manager, token) is not None

            new_token = await other.manager.link_token_to_sid(token, "tab-reconnected")

        assert new_token is None
        assert await stored_record(other.manager, token) == SocketRecord(
            instance_id=other.manager.instance_id, sid="tab-reconnected"
        )

    run_with_workers(redis_url, 2, scenario)


def test_stopping_owner_keeps_taken_record(redis_url):
    # The stopping owner disconnects its socket after another worker took the record over.
    token = str(uuid.uuid4())

    async def scenario(owner: Worker, other: Worker) -> None:
        async with other.running():
            async with owner.running():
                assert await owner.manager.link_token_to_sid(token, "old-socket") is None
                # Linking starts the subscriber. A record set before it has subscribed would go unseen.
                await wait_for_keyspace_subscriber(owner)
            assert await other.manager.link_token_to_sid(token, "new-socket") is None

            # Reflex's keyspace subscriber on the owner caches the new record.
            deadline = asyncio.get_running_loop().time() + SUBSCRIBE_TIMEOUT_SECONDS
            while owner.manager.token_to_socket[token].instance_id != other.manager.instance_id:
                assert asyncio.get_running_loop().time() < deadline, "owner did not see the new record"
                await asyncio.sleep(0.05)
            await owner.manager.disconnect_token(token, "old-socket")

            assert await stored_record(other.manager, token) == SocketRecord(
                instance_id=other.manager.instance_id, sid="new-socket"
            )

    run_with_workers(redis_url, 2, scenario)


def test_link_without_record_keeps_token(redis_url):
    token = str(uuid.uuid4())

    async def scenario(worker: Worker) -> None:
        async with worker.running():
            new_token = await worker.manager.link_token_to_sid(token, "only-tab")

        assert new_token is None
        assert await stored_record(worker.manager, token) == SocketRecord(
            instance_id=worker.manager.instance_id, sid="only-tab"
        )

    run_with_workers(redis_url, 1, scenario)


def test_link_own_unlinked_record_keeps_token(redis_url):
    # A record of this instance whose socket already disconnected here, while its delete is in flight.
    token = str(uuid.uuid4())

    async def scenario(worker: Worker) -> None:
        async with worker.running():
            await store_record(worker.manager, token, SocketRecord(instance_id=worker.manager.instance_id, sid="gone"))
            new_token = await worker.manager.link_token_to_sid(token, "reloaded-tab")

        assert new_token is None
        assert (await stored_record(worker.manager, token)).sid == "reloaded-tab"

    run_with_workers(redis_url, 1, scenario)


def test_link_own_linked_record_gets_new_token(redis_url):
    token = str(uuid.uuid4())

    async def scenario(worker: Worker) -> None:
        async with worker.running():
            assert await worker.manager.link_token_to_sid(token, "first-tab") is None
            new_token = await worker.manager.link_token_to_sid(token, "duplicate-tab")

        assert new_token is not None
        assert new_token != token
        assert (await stored_record(worker.manager, token)).sid == "first-tab"

    run_with_workers(redis_url, 1, scenario)


def test_subscription_ends_with_lifespan(redis_url):
    async def scenario(worker: Worker) -> None:
        async with worker.running():
            assert await worker_liveness.is_instance_running(worker.manager.redis, worker.manager.instance_id)
        assert not await worker_liveness.is_instance_running(worker.manager.redis, worker.manager.instance_id)

    run_with_workers(redis_url, 1, scenario)


def test_install_without_redis_manager():
    app = SimpleNamespace(
        event_namespace=SimpleNamespace(_token_manager=object()),
        register_lifespan_task=lambda task, **kwargs: pytest.fail("no lifespan task expected"),
    )
    assert worker_liveness.install(app) is False
