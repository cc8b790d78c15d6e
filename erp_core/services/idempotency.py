"""Idempotency-Key support: a key is claimed in the same transaction as the work it guards,
with the first reply, so a retry gets that reply and a failed request leaves the key free."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.order_tables import IdempotencyKey
from erp_core.domain.errors import IdempotencyKeyMismatch


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replayed(session: Session, scope: tuple[str, str] | None) -> tuple[int, dict[str, Any]] | None:
    """The first reply given for this key, or None if the key is new."""
    if scope is None:
        return None
    key, digest = scope
    found = session.scalars(select(IdempotencyKey).where(IdempotencyKey.scope == key)).first()
    if found is None:
        return None
    if found.request_hash != digest:
        raise IdempotencyKeyMismatch("this Idempotency-Key was used with a different request body")
    return found.status_code, found.response


def remember(
    session: Session, scope: tuple[str, str] | None, status_code: int, body: dict[str, Any]
) -> None:
    if scope is not None:
        session.add(
            IdempotencyKey(
                scope=scope[0], request_hash=scope[1], status_code=status_code, response=body
            )
        )
