"""Raising and resolving anomaly flags.

A scan hands over every flag it found for its kinds; new subjects open a flag, open flags are
refreshed with the new score and reasons, and resolved flags stay resolved (a dismissed flag
is not raised again for the same subject). One transaction per scan and per resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from erp_core.adapters.anomaly_tables import AnomalyFlag
from erp_core.adapters.database import Database
from erp_core.clock import utcnow
from erp_core.domain.access import Principal
from erp_core.domain.anomalies import FlagKind, FlagStatus, NewFlag, may_resolve_flag
from erp_core.domain.errors import IllegalTransition, InvalidInput, PermissionDenied
from erp_core.queries.anomalies import flag_detail
from erp_core.services import audit
from erp_core.services.lookup import locked


@dataclass(frozen=True)
class Raised:
    opened: int
    refreshed: int
    kept_resolved: int


def raise_flags(session: Session, flags: Sequence[NewFlag]) -> Raised:
    """Open or refresh each flag, in the caller's transaction."""
    if len({(flag.kind, flag.subject) for flag in flags}) != len(flags):
        raise InvalidInput("a scan raised the same subject twice")
    existing: dict[tuple[str, str], AnomalyFlag] = {}
    for kind in {flag.kind for flag in flags}:
        subjects = [flag.subject for flag in flags if flag.kind == kind]
        for start in range(0, len(subjects), 500):
            query = select(AnomalyFlag).where(
                AnomalyFlag.kind == kind.value,
                AnomalyFlag.subject.in_(subjects[start : start + 500]),
            )
            existing.update({(row.kind, row.subject): row for row in session.scalars(query)})
    now = utcnow()
    fresh: list[dict[str, Any]] = []
    refreshed = kept = 0
    for flag in flags:
        row = existing.get((flag.kind.value, flag.subject))
        if row is None:
            values = {**asdict(flag), "kind": flag.kind.value}
            fresh.append({**values, "status": FlagStatus.OPEN.value, "opened_at": now})
        elif row.status == FlagStatus.OPEN:
            row.score, row.reasons, row.details = flag.score, flag.reasons, flag.details
            row.updated_at = now
            refreshed += 1
        else:
            kept += 1
    opened = _insert_new(session, [{**row, "updated_at": now} for row in fresh])
    session.flush()
    return Raised(opened=opened, refreshed=refreshed, kept_resolved=kept)


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the flags no scan running at the same time has inserted first; how many."""
    if not rows:
        return 0
    postgres = session.get_bind().dialect.name == "postgresql"
    dialect_insert = postgresql.insert if postgres else sqlite.insert
    statement = (
        dialect_insert(AnomalyFlag)
        .on_conflict_do_nothing(index_elements=["kind", "subject"])
        .returning(AnomalyFlag.id)
    )
    return len(session.scalars(statement, rows).all())


def resolve_flag(
    db: Database, who: Principal, flag_id: int, confirmed: bool, comment: str
) -> dict[str, Any]:
    """Confirm the flag (a real anomaly) or dismiss it (a false alarm), with a comment."""

    def work(session: Session) -> dict[str, Any]:
        flag = locked(session, AnomalyFlag, flag_id, "anomaly flag")
        kind = FlagKind(flag.kind)
        if kind == FlagKind.ORDER:
            raise InvalidInput(
                "an order flag is resolved through its hold: POST /v1/holds/{id}/resolve",
                id=flag_id,
            )
        if flag.status != FlagStatus.OPEN:
            raise IllegalTransition(f"flag {flag_id} is already {flag.status}", id=flag_id)
        if not may_resolve_flag(who.role, kind):
            raise PermissionDenied(
                f"role {who.role.value} may not resolve {kind.value} flags",
                role=who.role.value,
                kind=kind.value,
            )
        status = FlagStatus.CONFIRMED if confirmed else FlagStatus.DISMISSED
        close_flag(flag, status, who.actor, comment)
        audit.record(
            session.connection(),
            actor=who.actor,
            action="anomaly.resolve",
            entity="anomaly_flag",
            key=str(flag_id),
            before={"status": FlagStatus.OPEN},
            after={"status": status, "comment": comment},
        )
        session.flush()
        return flag_detail(session, flag_id)

    return db.transact(work)


def close_flag(flag: AnomalyFlag, status: FlagStatus, actor: str, comment: str) -> None:
    flag.status = status.value
    flag.resolved_at = flag.updated_at = utcnow()
    flag.resolved_by = actor
    flag.comment = comment[:1000]
