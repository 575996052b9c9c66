"""Who is calling: an API key per tenant, checked by hash, and a per-key request rate.

Every route but health and the API reference needs ``Authorization: Bearer <key>``
(the OpenAI client sends its ``api_key`` so). The key names the tenant; the route then
works on ``runtime.tenant(tenant)``, whose every read and write is confined to it.
"""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from sleeptime.app import Runtime, Sleeptime
from sleeptime.store.keys import key_hash

KEY_HINT = "create one with `sleeptime keys create --tenant NAME` and send it as a Bearer token"


class RateLimiter:
    """A token bucket per key in this process: ``per_minute`` requests a minute, bursts up
    to ``burst``. Free, but several service processes each allow the whole rate."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    async def take(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


class SharedRateLimiter(RateLimiter):
    """The same buckets kept in the database (``Store.take_rate_token``): every service
    process on it draws from one bucket per key, at the cost of one write per request."""

    def __init__(self, runtime: Runtime, per_minute: int, burst: int) -> None:
        super().__init__(per_minute, burst)
        self._runtime = runtime

    async def take(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        store = self._runtime.store
        return await self._runtime.db.call(
            partial(store.take_rate_token, per_second=self.rate, burst=self.burst), key
        )


def make_limiter(runtime: Runtime) -> RateLimiter:
    """The limiter ``Settings.service_rate_scope`` asks for (``auto``: shared on PostgreSQL)."""
    settings = runtime.settings
    scope = settings.service_rate_scope
    if scope == "auto":
        scope = "database" if runtime.store.dialect == "postgresql" else "process"
    if scope == "database":
        return SharedRateLimiter(runtime, settings.service_rate_per_minute, settings.service_burst)
    return RateLimiter(settings.service_rate_per_minute, settings.service_burst)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, f"missing API key; {KEY_HINT}", headers={"WWW-Authenticate": "Bearer"}
        )
    return token.strip()


async def tenant_app(request: Request) -> Sleeptime:
    """The caller's tenant view, after checking the key and the rate."""
    runtime: Runtime = request.app.state.runtime
    limiter: RateLimiter = request.app.state.limiter
    token = _bearer(request)
    tenant = await runtime.db.call(runtime.store.tenant_of_key, token)
    if tenant is None:
        raise HTTPException(
            401, f"invalid or revoked API key; {KEY_HINT}", headers={"WWW-Authenticate": "Bearer"}
        )
    wait = await limiter.take(key_hash(token))
    if wait > 0:
        raise HTTPException(
            429,
            f"too many requests for this API key; retry in {wait:.1f} s",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    return runtime.tenant(tenant)


TenantApp = Annotated[Sleeptime, Depends(tenant_app)]
