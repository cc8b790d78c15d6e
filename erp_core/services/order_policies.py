"""Each channel's order validation policy, stored so it changes without code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.adapters.order_tables import ChannelOrderPolicy
from erp_core.adapters.tables import Channel
from erp_core.domain.order_rules import OrderPolicy
from erp_core.domain.orders import PaymentStatus
from erp_core.services import audit
from erp_core.services.lookup import by_code

DEFAULT = OrderPolicy()


def policy_for(session: Session, channel_id: int) -> OrderPolicy:
    row = session.get(ChannelOrderPolicy, channel_id)
    if row is None:
        return DEFAULT
    return OrderPolicy(
        accepted_payment=frozenset(PaymentStatus(p) for p in row.accepted_payment),
        margin_floor=row.margin_floor,
        max_order_value=row.max_order_value,
        shipping_methods=frozenset(row.shipping_methods) if row.shipping_methods else None,
        anomaly_check=row.anomaly_check,
        anomaly_threshold=row.anomaly_threshold,
        hold_without_stock=row.hold_without_stock,
        ship_partial=row.ship_partial,
    )


def policy_dict(channel: str, policy: OrderPolicy) -> dict[str, Any]:
    return {
        "channel": channel,
        "accepted_payment": sorted(p.value for p in policy.accepted_payment),
        "margin_floor": policy.margin_floor,
        "max_order_value": policy.max_order_value,
        "shipping_methods": sorted(policy.shipping_methods) if policy.shipping_methods else None,
        "anomaly_check": policy.anomaly_check,
        "anomaly_threshold": policy.anomaly_threshold,
        "hold_without_stock": policy.hold_without_stock,
        "ship_partial": policy.ship_partial,
    }


def get_order_policy(db: Database, channel_code: str) -> dict[str, Any]:
    def read(session: Session) -> dict[str, Any]:
        channel = by_code(session, Channel, channel_code)
        return policy_dict(channel.code, policy_for(session, channel.id))

    return db.read(read)


def set_order_policy(
    db: Database, actor: str, channel_code: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Replace the channel's policy with `values` (fields of OrderPolicy; absent = default)."""

    def work(session: Session) -> dict[str, Any]:
        channel = by_code(session, Channel, channel_code)
        before = policy_dict(channel.code, policy_for(session, channel.id))
        row = session.get(ChannelOrderPolicy, channel.id) or ChannelOrderPolicy(
            channel_id=channel.id
        )
        row.accepted_payment = sorted(
            str(p) for p in values.get("accepted_payment", DEFAULT.accepted_payment)
        )
        row.margin_floor = _decimal(values.get("margin_floor"))
        row.max_order_value = _decimal(values.get("max_order_value"))
        methods = values.get("shipping_methods")
        row.shipping_methods = sorted(methods) if methods else None
        row.anomaly_check = bool(values.get("anomaly_check", True))
        row.anomaly_threshold = values.get("anomaly_threshold")
        row.hold_without_stock = bool(values.get("hold_without_stock", False))
        row.ship_partial = bool(values.get("ship_partial", True))
        session.add(row)
        session.flush()
        after = policy_dict(channel.code, policy_for(session, channel.id))
        audit.record(
            session.connection(),
            actor=actor,
            action="channel.order_policy",
            entity="channel",
            key=channel.code,
            before=before,
            after=after,
        )
        return after

    return db.transact(work)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)
