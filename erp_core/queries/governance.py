"""Reading the audit trail (newest first) and the list of API keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import ApiKey, AuditRecord, columns_of
from erp_core.queries.pages import Page, keyset, page_of
from erp_core.services.api_keys import key_dict


def audit_page(db: Database, filters: dict[str, Any], cursor: str | None, limit: int) -> Page:
    query = keyset(select(AuditRecord), AuditRecord.id, cursor, limit, newest_first=True)
    for field, value in filters.items():
        if value is not None:
            query = query.where(getattr(AuditRecord, field) == value)

    def run(session: Session) -> Page:
        rows, next_cursor = page_of(list(session.scalars(query)), limit, lambda r: (r.id,))
        return Page([columns_of(r) for r in rows], next_cursor)

    return db.read(run)


def api_key_list(db: Database) -> list[dict[str, Any]]:
    return db.read(lambda s: [key_dict(k) for k in s.scalars(select(ApiKey).order_by(ApiKey.id))])
