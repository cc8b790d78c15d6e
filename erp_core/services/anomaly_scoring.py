"""What order capture hands the anomaly scorer, and what it keeps of the answer.

The scorer itself lives outside erp_core (pipelines/order_anomaly_scorer.py, which loads the
MLflow champion); capture only knows this protocol. Every captured order keeps a score row, so
the order says how it was scored (model or rules, and why) and the next order's velocity
windows can be read from an index; a held order also opens an `order` anomaly flag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from erp_core.adapters.anomaly_tables import AnomalyFlag, OrderAnomalyScore
from erp_core.adapters.order_tables import Hold
from erp_core.clock import utcnow
from erp_core.domain.anomalies import FlagKind, FlagStatus, Outcome
from erp_core.domain.order_rules import AnomalyVerdict, HoldReason
from erp_core.services.anomaly_flags import close_flag


@dataclass(frozen=True)
class ScoringOrder:
    """One order as the scorer sees it. `created_at` of the orders of one batch differ by
    their position, so earlier orders of a burst count in the later ones' velocity."""

    channel: str
    customer_id: int | None
    customer_region: str | None
    address_key: str
    ship_region: str | None
    created_at: datetime
    value: float  # goods after discount
    discount: float
    cost: float
    lines: tuple[tuple[str, int], ...]  # (sku, qty)


class OrderScorer(Protocol):
    def score(self, session: Session, orders: Sequence[ScoringOrder]) -> list[AnomalyVerdict]:
        """One verdict per order; never raises for a missing or broken model."""
        ...


def address_key(ship_to: Mapping[str, Any]) -> str:
    """Country, postcode and street with case, spaces and punctuation dropped, so the same
    drop address typed two ways is one key; empty when there is no postcode and no street,
    which says nothing about where the parcel goes."""

    def part(name: str) -> str:
        return re.sub(r"[^0-9a-z]", "", str(ship_to.get(name) or "").lower())

    if not (part("postcode") or part("line1")):
        return ""
    return "|".join(part(name) for name in ("country", "postcode", "line1"))[:200]


def keep_scores(
    session: Session,
    placed: Sequence[tuple[int, int, ScoringOrder, AnomalyVerdict, bool]],
) -> None:
    """A score row per (order id, channel id, order, verdict, held for anomaly); an `order`
    flag per held one."""
    if not placed:
        return
    session.execute(
        insert(OrderAnomalyScore),
        [
            {
                "order_id": order_id,
                "channel_id": channel_id,
                "customer_id": order.customer_id,
                "address_key": order.address_key,
                "created_at": order.created_at,
                "value": order.value,
                "score": verdict.score,
                "threshold": verdict.threshold,
                "held": verdict.hold,
                "reasons": verdict.reasons,
                "features": verdict.features,
                "scored_by": verdict.scored_by,
                "model_version": verdict.model_version,
                "note": verdict.note,
            }
            for order_id, channel_id, order, verdict, _ in placed
        ],
    )
    held = {order_id: (order, verdict) for order_id, _, order, verdict, hold in placed if hold}
    if held:
        holds = session.execute(
            select(Hold.order_id, Hold.id, Hold.details).where(
                Hold.order_id.in_(held), Hold.reason == HoldReason.ANOMALY
            )
        ).all()
        now = utcnow()
        session.execute(
            insert(AnomalyFlag),
            [
                {
                    "kind": FlagKind.ORDER.value,
                    "subject": f"order-{order_id}",
                    "order_id": order_id,
                    "customer_id": held[order_id][0].customer_id,
                    "score": held[order_id][1].score,
                    "reasons": held[order_id][1].reasons,
                    "details": {**details, "hold_id": hold_id},
                    "status": FlagStatus.OPEN.value,
                    "opened_at": now,
                    "updated_at": now,
                }
                for order_id, hold_id, details in holds
            ],
        )


def learn_outcome(
    session: Session, hold: Hold, outcome: Outcome | None, released: bool, actor: str
) -> Outcome | None:
    """When an anomaly hold is resolved: the order's outcome (given, or read from the action:
    released means a false positive, cancelled confirmed fraud) on its score row, and its
    flag closed to match. Other holds teach nothing."""
    if hold.reason != HoldReason.ANOMALY:
        return None
    learnt = outcome or (Outcome.FALSE_POSITIVE if released else Outcome.CONFIRMED_FRAUD)
    now = utcnow()
    session.execute(
        update(OrderAnomalyScore)
        .where(OrderAnomalyScore.order_id == hold.order_id)
        .values(outcome=learnt.value, outcome_by=actor, outcome_at=now)
    )
    flag = session.scalars(
        select(AnomalyFlag).where(
            AnomalyFlag.kind == FlagKind.ORDER.value,
            AnomalyFlag.subject == f"order-{hold.order_id}",
            AnomalyFlag.status == FlagStatus.OPEN.value,
        )
    ).one_or_none()
    if flag is not None:
        confirmed = learnt == Outcome.CONFIRMED_FRAUD
        status = FlagStatus.CONFIRMED if confirmed else FlagStatus.DISMISSED
        close_flag(flag, status, actor, f"hold {hold.id} {hold.status.value}: {learnt.value}")
    return learnt


def close_order_flags(session: Session, order_id: int, actor: str, why: str) -> None:
    """An order cancelled through another hold closes its anomaly flag without a label."""
    flags = session.scalars(
        select(AnomalyFlag).where(
            AnomalyFlag.kind == FlagKind.ORDER.value,
            AnomalyFlag.order_id == order_id,
            AnomalyFlag.status == FlagStatus.OPEN.value,
        )
    )
    for flag in flags:
        close_flag(flag, FlagStatus.DISMISSED, actor, why)
