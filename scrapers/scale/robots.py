"""robots.txt read once per origin and job across every worker: a `RobotsCache` on Redis.

The first worker to need an origin's robots.txt takes a lock (SET NX with an expiry), reads it and
stores the answer (its text, "allow all", or why it could not be read); the others wait for that
answer. A reader killed mid-read lets its lock lapse after LOCK_S and another reads it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable

from arq.connections import ArqRedis

from scrapers.pipeline.policies import ROBOTS_TIMEOUT_S, RobotsAnswer
from scrapers.scale.queue import job_key

LOCK_S = ROBOTS_TIMEOUT_S * 6  # robots.txt is read within ROBOTS_TIMEOUT_S per request, 5 redirects
KEEP_S = 24 * 3600  # the answer outlives a run only this long (a finished run deletes it)
WAIT_POLL_S = 0.05


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
        token = uuid.uuid4().hex
        while True:
            stored = await self.redis.get(key)
            if stored is not None:
                data = json.loads(stored)
                return RobotsAnswer(data.get("text"), data.get("unreachable"))
            if await self.redis.set(key + ":lock", token, nx=True, ex=int(LOCK_S)):
                try:
                    answer = await read()
                    self.reads += 1
                    value = json.dumps({"text": answer.text, "unreachable": answer.unreachable})
                    await self.redis.set(key, value, ex=KEEP_S)
                    return answer
                finally:
                    await self.redis.delete(key + ":lock")
            await asyncio.sleep(WAIT_POLL_S)
