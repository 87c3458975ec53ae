"""Per-domain politeness that holds across every worker: a Redis-backed `Gate`.

Per host, a sorted set of leases (one per page slot held, scored by when it lapses) and the time
the next page may start. Taking a slot is one Lua script, atomic on the Redis server with its
clock: drop lapsed leases; if fewer than `max_concurrent` remain and the host's minimum delay has
passed, add a lease and push the next start time. A holder renews its lease every LEASE_S / 4
while its page runs, so a worker killed with SIGKILL gives its slots back within LEASE_S.

The limit is per host for the whole Redis (every job scraping the host), as a site sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from scrapers.output.logs import get_logger

log = get_logger("storyline.scale")

LEASE_S = 10.0  # a slot whose holder stopped renewing it (killed) is free again after this
FULL_POLL_S = 0.02  # how often a page waiting for a full host asks again (plus jitter)

# KEYS: leases, next start; ARGV: token, limit, lease ms, delay ms.
# Returns 0 (taken), -1 (host full) or the ms until the host's delay has passed.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
local lease = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease * 2)
local delay = tonumber(ARGV[4])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return 0
"""

# KEYS: leases; ARGV: token, lease ms. Returns 1 if the lease was still held (now renewed), else 0.
_RENEW = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
"""


def host_keys(host: str) -> list[str]:
    """The leases and next-start keys of one host."""
    return [f"storyline:host:{host}:slots", f"storyline:host:{host}:next"]


class RedisGate:
    """`DomainGate`'s contract (scrapers/page/policies.py), shared by every process on one Redis."""

    def __init__(self, redis: ArqRedis, lease_s: float = LEASE_S) -> None:
        self.redis = redis
        self.lease_ms = int(lease_s * 1000)
        self._take = redis.register_script(_TAKE)
        self._renew = redis.register_script(_RENEW)

    async def take(self, host: str, token: str, max_concurrent: int, min_delay_s: float) -> int:
        """One try at a slot: 0 taken, -1 the host is full, else ms to wait for its delay."""
        args: list[str | int] = [token, max_concurrent, self.lease_ms, int(min_delay_s * 1000)]
        return int(await self._take(keys=host_keys(host), args=args))

    async def release(self, host: str, token: str) -> None:
        await self.redis.zrem(host_keys(host)[0], token)

    @contextlib.asynccontextmanager
    async def slot(self, url: str, max_concurrent: int, min_delay_s: float) -> AsyncIterator[None]:
        host = urlsplit(url).hostname or ""
        token = uuid.uuid4().hex
        while (wait := await self.take(host, token, max_concurrent, min_delay_s)) != 0:
            pause = FULL_POLL_S if wait < 0 else wait / 1000
            await asyncio.sleep(pause * random.uniform(1.0, 1.5))
        keeper = asyncio.create_task(self._keep(host, token))
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(RedisError, OSError):
                await asyncio.shield(self.release(host, token))

    async def _keep(self, host: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.lease_ms / 4000)
            try:
                held = await self._renew(keys=host_keys(host)[:1], args=[token, self.lease_ms])
            except (RedisError, OSError) as exc:  # Redis away for a moment: the lease may lapse
                log.warning("could not renew a host slot", host=host, error=str(exc))
                continue
            if not held:
                log.warning("a host slot lapsed while its page ran (the limit may be exceeded)", host=host)
                return
