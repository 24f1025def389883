"""Per-client request rate limits: a sliding-window counter kept in Django's cache.

Two fixed windows are counted (this one and the one before) and the previous window's count is
weighted by how much of it still lies inside the sliding window, so a client cannot send twice
its limit across a window boundary. Counting uses the cache's atomic `incr`; with a shared cache
(Redis) every web process sees the same counts, with the default local-memory cache each
process counts on its own.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("consilium.throttling")

DEFAULT_API_RATE_LIMIT = "600/minute"
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class RateError(ValueError):
    """A rate text that cannot be read; the message says what form it must take."""


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'600/minute', '10/second', '5000/hour', '100000/day' (or s, m, h, d)."""
        count, _, period = text.strip().partition("/")
        period = period.strip().lower()
        seconds = next(
            (value for name, value in PERIODS.items() if period in (name, name[0], f"{name}s")),
            None,
        )
        if not count.strip().isdigit() or int(count) < 1 or seconds is None:
            raise RateError(
                f"{text!r} is not a rate: write '<requests>/<second|minute|hour|day>', "
                "e.g. '600/minute'."
            )
        return cls(requests=int(count), seconds=seconds)

    def __str__(self) -> str:
        name = next(name for name, value in PERIODS.items() if value == self.seconds)
        return f"{self.requests}/{name}"


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    rate: Rate
    remaining: int
    retry_after: int  # whole seconds until a request would be admitted; 0 when allowed


def default_rate() -> Rate | None:
    """settings.API_RATE_LIMIT ('600/minute' if unset); None or '' switches limits off."""
    text = getattr(settings, "API_RATE_LIMIT", DEFAULT_API_RATE_LIMIT)
    if not text:
        return None
    try:
        return Rate.parse(text)
    except RateError as error:
        raise ImproperlyConfigured(f"API_RATE_LIMIT: {error}") from None


def rate_cache() -> BaseCache:
    return caches[getattr(settings, "API_RATE_LIMIT_CACHE", "default")]


def rate_limit_consume(
    *, key: str, rate: Rate, now: float | None = None, cache: BaseCache | None = None
) -> RateDecision:
    """Count one request for `key`; refused requests are not counted."""
    cache = cache if cache is not None else rate_cache()
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    elapsed = now - window * rate.seconds
    current_key = f"consilium:rate:{key}:{window}"
    previous_key = f"consilium:rate:{key}:{window - 1}"
    try:
        current = _increment(cache, current_key, timeout=2 * rate.seconds + 1)
        previous = int(cache.get(previous_key) or 0)
    except Exception:  # a cache outage must not take the API down with it
        logger.warning("Rate limit cache unavailable; request admitted.", exc_info=True)
        return RateDecision(allowed=True, rate=rate, remaining=rate.requests, retry_after=0)
    estimate = previous * (rate.seconds - elapsed) / rate.seconds + current
    if estimate <= rate.requests:
        remaining = max(0, math.floor(rate.requests - estimate))
        return RateDecision(allowed=True, rate=rate, remaining=remaining, retry_after=0)
    with contextlib.suppress(ValueError):  # the key expired meanwhile: nothing to take back
        cache.decr(current_key)
    wait = _seconds_until_admitted(rate, previous=previous, current=current - 1, elapsed=elapsed)
    return RateDecision(allowed=False, rate=rate, remaining=0, retry_after=max(1, math.ceil(wait)))


def _increment(cache: BaseCache, key: str, *, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout=timeout)
        return cache.incr(key)


def _seconds_until_admitted(rate: Rate, *, previous: int, current: int, elapsed: float) -> float:
    """When one more request fits, if no other is admitted meanwhile."""
    limit, length = rate.requests, rate.seconds
    if current < limit and previous > 0:
        # Still in this window: previous * (length - t) / length + current + 1 <= limit.
        moment = length - (limit - current - 1) * length / previous
        if moment < length:
            return max(0.0, moment - elapsed)
    # In the next window, this window's count becomes the weighted one.
    into_next = 0.0 if current <= limit - 1 else length * (1 - (limit - 1) / current)
    return (length - elapsed) + into_next
