"""Posting balanced journal entries."""

from __future__ import annotations

from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import JournalEntry, JournalLine
from erp_core.domain.journal import Posting, balanced


def post_entry(
    session: Session, memo: str, reference: str, actor: str, postings: list[Posting]
) -> int:
    lines = balanced(postings)
    entry = JournalEntry(memo=memo[:200], reference=reference, actor=actor)
    session.add(entry)
    session.flush()
    session.add_all(
        JournalLine(entry_id=entry.id, account=p.account, debit=p.debit, credit=p.credit)
        for p in lines
    )
    return entry.id
