"""The business clock: what time it is for the services.

Everything Keel stamps (order timelines, lead times, return windows, queue ages) reads this
clock, so a replay of past days, such as the demo company's two years of history, runs through
the same services with each action stamped at the moment it happened in the story.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_replayed_now: ContextVar[datetime | None] = ContextVar("keel_replayed_now", default=None)


def utcnow() -> datetime:
    return _replayed_now.get() or datetime.now(UTC)


@contextmanager
def replaying_at(moment: datetime) -> Iterator[None]:
    """Within the block, the services believe it is `moment` (an aware UTC datetime)."""
    if moment.tzinfo is None:
        raise ValueError("the replay clock needs an aware datetime")
    token = _replayed_now.set(moment)
    try:
        yield
    finally:
        _replayed_now.reset(token)
