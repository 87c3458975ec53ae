"""Connecting to Redis: one URL, the same settings for the driver and the workers.

Every Redis call is retried for a while on a lost connection (a Redis restart), so a short outage
stalls the run instead of ending it; Redis must keep its data over a restart (appendonly) for the
queue to survive it (docs/scaling.md).
"""

from __future__ import annotations

import json
import os
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import BusyLoadingError, RedisError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from scrapers.errors import RedisUnreachable

REDIS_ENV = "STORYLINE_REDIS"  # the default of --redis, for the driver and the workers
QUEUE_ENV = "STORYLINE_QUEUE"
DEFAULT_QUEUE = "storyline:queue"
# A lost connection is retried with backoff (50 ms doubling to 1 s) this many times: ~40 s.
RECONNECT_TRIES = 45


def redis_url(given: str | None) -> str | None:
    return given or os.environ.get(REDIS_ENV) or None


def queue_name(given: str | None) -> str:
    return given or os.environ.get(QUEUE_ENV) or DEFAULT_QUEUE


def settings(url: str, *, reconnect: bool = True) -> RedisSettings:
    """arq's settings for `url`; `reconnect`: retry calls over a lost connection (see above)."""
    try:
        conf = RedisSettings.from_dsn(url)
    except (RuntimeError, ValueError) as exc:
        raise RedisUnreachable(f"--redis {url!r}: not a redis:// URL ({exc})") from None
    conf.conn_retries = 0  # unreachable at the start: say so at once
    if reconnect:
        conf.retry_on_error = [RedisConnectionError, RedisTimeoutError, BusyLoadingError, OSError]
        conf.retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), RECONNECT_TRIES)
    return conf


def dump_job(value: Any) -> bytes:
    """arq's jobs as JSON, not pickle: whoever can write to Redis cannot run code in a worker."""
    return json.dumps(value, default=str).encode()


def load_job(raw: bytes) -> Any:
    return json.loads(raw)


async def connect(url: str, queue: str = DEFAULT_QUEUE) -> ArqRedis:
    """An arq connection pool; RedisUnreachable at once when Redis does not answer now."""
    await check(url)
    return await create_pool(
        settings(url), job_serializer=dump_job, job_deserializer=load_job, default_queue_name=queue
    )


async def check(url: str) -> None:
    """Raise RedisUnreachable unless Redis at `url` answers a PING now (no retries)."""
    conf = settings(url, reconnect=False)
    try:
        pool = await create_pool(conf)
    except (RedisError, OSError) as exc:
        where = conf.unix_socket_path or f"{conf.host}:{conf.port}"
        raise RedisUnreachable(f"Redis at {where} does not answer ({exc})") from None
    await pool.aclose()
