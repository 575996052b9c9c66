"""Per-key request rates kept in the database, so several service processes share them.

A token bucket per key, taken in one statement: an insert of a full bucket for a key not
seen yet, or else an update that refills the bucket for the time since the last take,
takes one token when there is one, and records the verdict, returning it. The row is
locked by the statement itself (PostgreSQL's ``ON CONFLICT DO UPDATE``, SQLite's write
lock), so two processes can never both take the last token.
"""

from __future__ import annotations

import time

from sqlalchemy import case, literal
from sqlalchemy.dialects import postgresql, sqlite

from sleeptime.store.base import StoreBase
from sleeptime.store.schema import RateBucket


class RatesMixin(StoreBase):
    """The shared rate limiter's one method."""

    def take_rate_token(
        self, key: str, *, per_second: float, burst: float, now: float | None = None
    ) -> float:
        """Take one request from ``key``'s bucket: 0.0 if allowed, else seconds to wait."""
        now = time.time() if now is None else now
        later = literal(now) > RateBucket.updated_at
        elapsed = case((later, literal(now) - RateBucket.updated_at), else_=0.0)
        refilled = RateBucket.tokens + elapsed * per_second
        level = case((refilled > burst, burst), else_=refilled)
        make = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        fresh = make(RateBucket).values(key=key, tokens=burst - 1.0, updated_at=now, allowed=True)
        upsert = fresh.on_conflict_do_update(
            index_elements=[RateBucket.key],
            set_={
                "tokens": case((level >= 1.0, level - 1.0), else_=level),
                "updated_at": case((later, now), else_=RateBucket.updated_at),
                "allowed": level >= 1.0,
            },
        )
        statement = upsert.returning(RateBucket.tokens, RateBucket.allowed)
        with self._conn("checking the request rate", write=True) as conn:
            tokens, allowed = conn.execute(statement).one()
        if allowed:
            return 0.0
        return (1.0 - tokens) / per_second if per_second > 0 else float("inf")
