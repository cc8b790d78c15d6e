"""Each channel's return policy: the return window and the restocking fee rate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.returns_tables import ReturnPolicy
from erp_core.adapters.tables import Channel
from erp_core.domain.errors import InvalidInput
from erp_core.domain.returns import ReturnTerms
from erp_core.services import audit
from erp_core.services.lookup import by_code
from erp_core.settings import Settings


def terms_for(session: Session, channel_id: int, settings: Settings) -> ReturnTerms:
    row = session.get(ReturnPolicy, channel_id)
    if row is None:
        return ReturnTerms(settings.return_window_days)
    return ReturnTerms(row.window_days, row.restocking_fee_rate)


def _policy_dict(channel: str, terms: ReturnTerms) -> dict[str, Any]:
    return {
        "channel": channel,
        "window_days": terms.window_days,
        "restocking_fee_rate": terms.restocking_fee_rate,
    }


def get_return_policy(db: Database, channel_code: str) -> dict[str, Any]:
    def read(session: Session) -> dict[str, Any]:
        channel = by_code(session, Channel, channel_code)
        return _policy_dict(channel.code, terms_for(session, channel.id, db.settings))

    return db.read(read)


def set_return_policy(
    db: Database, actor: str, channel_code: str, window_days: int, fee_rate: Decimal
) -> dict[str, Any]:
    if window_days < 0 or not Decimal(0) <= fee_rate <= Decimal(1):
        raise InvalidInput("the window is days >= 0 and the fee rate a fraction from 0 to 1")

    def work(session: Session) -> dict[str, Any]:
        channel = by_code(session, Channel, channel_code)
        before = _policy_dict(channel.code, terms_for(session, channel.id, db.settings))
        row = session.get(ReturnPolicy, channel.id) or ReturnPolicy(channel_id=channel.id)
        row.window_days = window_days
        row.restocking_fee_rate = fee_rate
        session.add(row)
        session.flush()
        after = _policy_dict(channel.code, terms_for(session, channel.id, db.settings))
        audit.record(
            session.connection(),
            actor=actor,
            action="channel.return_policy",
            entity="channel",
            key=channel.code,
            before=before,
            after=after,
        )
        return after

    return db.transact(work)
