"""The audit trail: every mutation records who did what to which record, before and after."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from erp_core.adapters.tables import AUDIT, Base, columns_of
from erp_core.clock import utcnow


def snapshot(record: Base) -> dict[str, Any]:
    """A JSON-safe copy of a row's columns, as the audit trail stores it."""
    return {key: json_safe(value) for key, value in columns_of(record).items()}


_APPEND = insert(AUDIT)
_PLAIN = (str, int, float, bool, type(None))


def json_safe(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    key: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    conn.execute(
        _APPEND,
        dict(
            at=utcnow(),
            actor=actor,
            action=action,
            entity=entity,
            entity_key=key,
            before=json_safe(before) if before is not None else None,
            after=json_safe(after) if after is not None else None,
        ),
    )


def record_for(
    session: Session,
    entity: str,
    actor: str,
    action: str,
    key: object,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """`record` from inside an ORM session, for one record of `entity`."""
    record(
        session.connection(),
        actor=actor,
        action=action,
        entity=entity,
        key=str(key),
        before=before,
        after=after,
    )
