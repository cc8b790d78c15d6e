"""Writing journal entries with SQLAlchemy Core, so ORM services and the Core stock paths
post the same way in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, insert, select

from erp_core.adapters.fulfillment_tables import AccountingPeriod, JournalEntry, JournalLine
from erp_core.clock import utcnow
from erp_core.domain.journal import ClosedPeriod, Posting, balanced, period_of

ENTRIES = cast(Table, JournalEntry.__table__)
LINES = cast(Table, JournalLine.__table__)
PERIODS = cast(Table, AccountingPeriod.__table__)
_NEW_ENTRY = insert(ENTRIES).returning(ENTRIES.c.id)


def post_journal(
    conn: Connection,
    memo: str,
    reference: str,
    actor: str,
    postings: list[Posting],
    *,
    posted_at: datetime | None = None,
    reverses_id: int | None = None,
) -> int:
    """Append one balanced entry; refused when its date falls in a closed period.

    Business actions post at the present moment and a period closes only once it has ended,
    so only back-dated entries (history loads) can meet a closed period.
    """
    lines = balanced(postings)
    when = posted_at or utcnow()
    period = period_of(when.date())
    if conn.scalar(select(PERIODS.c.period).where(PERIODS.c.period == period)):
        raise ClosedPeriod(f"period {period} is closed; post a correction today", period=period)
    entry_id = int(
        conn.execute(
            _NEW_ENTRY,
            {
                "posted_at": when,
                "memo": memo[:200],
                "reference": reference[:200],
                "actor": actor,
                "reverses_id": reverses_id,
            },
        ).scalar_one()
    )
    if lines:  # an invoice of free goods is still an entry, with nothing to post
        conn.execute(
            insert(LINES),
            [
                {"entry_id": entry_id, "account": p.account, "debit": p.debit, "credit": p.credit}
                for p in lines
            ],
        )
    return entry_id
