"""Posting balanced journal entries from ORM services."""

from __future__ import annotations

from sqlalchemy.orm import Session

from erp_core.adapters.journal import post_journal
from erp_core.domain.journal import Posting


def post_entry(
    session: Session, memo: str, reference: str, actor: str, postings: list[Posting]
) -> int:
    return post_journal(session.connection(), memo, reference, actor, postings)
