"""robots.txt read once per origin and job across every worker: a `RobotsCache` on Redis.

The first worker to need an origin's robots.txt takes a lock (SET NX with an expiry), reads it and
stores the answer (its text, "allow all", or why it could not be read); the others wait for that
answer. A reader killed mid-read lets its lock lapse after LOCK_S and another reads it. A worker
that gets the lock looks for the answer once more first: another may have stored it and let the
lock go between this worker's look and its lock. Only the lock's holder lets it go.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import cast

from arq.connections import ArqRedis

from scrapers.page.policies import ROBOTS_TIMEOUT_S, RobotsAnswer
from scrapers.scale.queue import job_key

LOCK_S = ROBOTS_TIMEOUT_S * 6  # robots.txt is read within ROBOTS_TIMEOUT_S per request, 5 redirects
KEEP_S = 24 * 3600  # the answer outlives a run only this long (a finished run deletes it)
WAIT_POLL_S = 0.05
# Delete the lock only if it is still ours (it may have lapsed and been taken by another).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def robots_key(job: str, origin: str) -> str:
    return job_key(job, f"robots:{origin}")


class RedisRobots:
    """Answers for one job, shared through Redis (see the module doc)."""

    def __init__(self, redis: ArqRedis, job: str) -> None:
        self.redis = redis
        self.job = job
        self.reads = 0  # robots.txt files this process read itself (tests count them)

    async def answer(self, origin: str, read: Callable[[], Awaitable[RobotsAnswer]]) -> RobotsAnswer:
        key = robots_key(self.job, origin)
        lock = key + ":lock"
        token = uuid.uuid4().hex
        while True:
            stored = await self.redis.get(key)
            if stored is not None:
                return _stored(stored)
            if await self.redis.set(lock, token, nx=True, ex=int(LOCK_S)):
                try:
                    stored = await self.redis.get(key)  # stored while we were taking the lock
                    if stored is not None:
                        return _stored(stored)
                    answer = await read()
                    self.reads += 1
                    fields = {
                        "text": answer.text,
                        "unreachable": answer.unreachable,
                        "network": answer.network,
                    }
                    value = json.dumps(fields)
                    await self.redis.set(key, value, ex=KEEP_S)
                    return answer
                finally:
                    await cast(Awaitable[int], self.redis.eval(_RELEASE, 1, lock, token))  # async client
            await asyncio.sleep(WAIT_POLL_S)


def _stored(value: bytes | str) -> RobotsAnswer:
    data = json.loads(value)
    return RobotsAnswer(data.get("text"), data.get("unreachable"), bool(data.get("network")))
