"""Daily sleep-token budgets per context, per tenant and overall.

A run over budget is not dropped: it goes back to the queue until the next UTC day,
with the reason on its record (``jobs list`` shows it waiting). Tokens of a run are
counted when it ends, so runs in flight can overshoot a budget by at most their own
size; the run's own token limit is clipped to what remains, which bounds that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sleeptime.settings import Settings
from sleeptime.store import Store


@dataclass(frozen=True, slots=True)
class BudgetVerdict:
    """Whether a run may start now, and if so how many tokens it may use (None: no limit)."""

    allowed: bool
    remaining: int | None
    reason: str = ""
    retry_at: datetime | None = None


def day_start(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def check_budget(
    store: Store, settings: Settings, *, tenant: str, context_id: int, context_name: str,
    now: datetime | None = None,
) -> BudgetVerdict:  # fmt: skip
    """Compare today's sleep spending with every configured daily limit."""
    now = now or datetime.now(UTC)
    since = day_start(now)
    limits = (
        (settings.sleep_tokens_per_day_context, f"context {context_name!r}", None, context_id),
        (settings.sleep_tokens_per_day_tenant, f"tenant {tenant!r}", tenant, None),
        (settings.sleep_tokens_per_day, "all tenants", None, None),
    )
    remaining: int | None = None
    for limit, scope, scope_tenant, scope_context in limits:
        if limit is None:
            continue
        spent = store.sleep_tokens_since(since, tenant=scope_tenant, context_id=scope_context)
        left = limit - spent
        if left <= 0:
            tomorrow = since + timedelta(days=1)
            return BudgetVerdict(
                allowed=False,
                remaining=0,
                reason=(
                    f"waiting for the daily sleep budget of {scope}: {spent} of {limit} tokens "
                    f"spent today; it resumes at {tomorrow:%Y-%m-%d %H:%M} UTC (raise the "
                    "limit in the settings to go on now)"
                ),
                retry_at=tomorrow,
            )
        remaining = left if remaining is None else min(remaining, left)
    return BudgetVerdict(allowed=True, remaining=remaining)
