"""API keys bound to roles. Only a SHA-256 of the key is stored; the key is shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.tables import ApiKey
from erp_core.clock import utcnow
from erp_core.domain.access import Principal, Role
from erp_core.domain.errors import IllegalTransition, InvalidInput, NotAuthenticated, NotFound
from erp_core.services import audit

_PREFIX = "keel"
# The key's actor, "key:<id>:<name>", must fit the 100-character actor columns.
API_KEY_NAME_MAX = 60


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(db: Database, actor: str, name: str, role: Role) -> tuple[dict[str, Any], str]:
    """Returns the key's record and the key itself, which is not stored anywhere."""
    if not name.strip() or len(name) > API_KEY_NAME_MAX or "\x00" in name:
        raise InvalidInput(f"a key name has 1 to {API_KEY_NAME_MAX} characters", name=name[:80])
    prefix = secrets.token_hex(6)
    key = f"{_PREFIX}_{prefix}_{secrets.token_urlsafe(24)}"

    def work(session: Session) -> dict[str, Any]:
        record = ApiKey(
            name=name, role=role, prefix=prefix, secret_hash=_digest(key), created_by=actor
        )
        session.add(record)
        session.flush()
        after = key_dict(record)
        audit.record(
            session.connection(),
            actor=actor,
            action="api_key.create",
            entity="api_key",
            key=str(record.id),
            before=None,
            after=after,
        )
        return after

    return db.transact(work), key


def revoke_key(db: Database, actor: str, key_id: int) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        record = session.get(ApiKey, key_id)
        if record is None:
            raise NotFound(f"API key {key_id} not found", id=key_id)
        if not record.active:
            raise IllegalTransition(f"API key {key_id} is already revoked", id=key_id)
        before = key_dict(record)
        record.active = False
        record.revoked_at = utcnow()
        after = key_dict(record)
        audit.record(
            session.connection(),
            actor=actor,
            action="api_key.revoke",
            entity="api_key",
            key=str(key_id),
            before=before,
            after=after,
        )
        return after

    return db.transact(work)


def authenticate(db: Database, presented: str) -> Principal:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX:
        raise NotAuthenticated("the API key is malformed")
    record = db.read(
        lambda s: s.scalars(select(ApiKey).where(ApiKey.prefix == parts[1])).one_or_none()
    )
    if record is None or not hmac.compare_digest(record.secret_hash, _digest(presented)):
        raise NotAuthenticated("the API key is not valid")
    if not record.active:
        raise NotAuthenticated("the API key was revoked")
    return Principal(key_id=record.id, name=record.name, role=record.role)


def key_dict(record: ApiKey) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "role": record.role,
        "prefix": record.prefix,
        "active": record.active,
        "created_by": record.created_by,
        "created_at": record.created_at,
        "revoked_at": record.revoked_at,
    }
