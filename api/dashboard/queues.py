"""The exception queues people work, as of now: how much waits in each and for how long.

A queue's age counts from when its work appeared: a hold or flag opened, a refund or an
adjustment requested, a settlement exception opened, a plan proposed. Which items each queue
holds is what its API list shows by default, so the count matches the list behind the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.anomaly_tables import AnomalyFlag
from erp_core.adapters.order_tables import Hold
from erp_core.adapters.replenishment_tables import ReplenishmentLine, ReplenishmentPlan
from erp_core.adapters.returns_tables import Refund
from erp_core.adapters.settlement_tables import SettlementException
from erp_core.adapters.transfer_tables import AdjustmentRequest
from erp_core.clock import utcnow
from erp_core.domain.counts import RequestState
from erp_core.domain.order_rules import HoldStatus
from erp_core.domain.refunds import RefundStatus
from erp_core.domain.replenishment import PlanStatus
from erp_core.queries.kpi_sql import percentile, rounded
from erp_core.queries.kpis_supply import plan_line_trouble


@dataclass(frozen=True)
class Queue:
    name: str
    title: str
    link: str | None  # the API list of the queue's items
    count: int
    oldest_hours: float | None
    median_hours: float | None


def exception_queues(session: Session) -> list[Queue]:
    now = utcnow()
    queues = [
        _aged("holds", "Held orders", "/v1/holds", _stamps(session, _OPEN_HOLDS), now),
        _aged("anomalies", "Open anomaly flags", "/v1/anomalies", _stamps(session, _FLAGS), now),
        _aged(
            "refunds", "Refunds awaiting approval", "/v1/refunds", _stamps(session, _REFUNDS), now
        ),
        _aged(
            "adjustments",
            "Adjustments awaiting approval",
            "/v1/adjustment-requests",
            _stamps(session, _ADJUSTMENTS),
            now,
        ),
        _aged(
            "settlements",
            "Settlement exceptions",
            "/v1/settlements/exceptions",
            _stamps(session, _SETTLEMENT_EXCEPTIONS),
            now,
        ),
    ]
    return [*queues, _replenishment(session, now)]


_OPEN_HOLDS = select(Hold.opened_at).where(Hold.status == HoldStatus.OPEN)
_FLAGS = select(AnomalyFlag.opened_at).where(AnomalyFlag.status == "open")
_REFUNDS = select(Refund.requested_at).where(Refund.status == RefundStatus.PENDING_APPROVAL)
_ADJUSTMENTS = select(AdjustmentRequest.requested_at).where(
    AdjustmentRequest.state == RequestState.PENDING
)
_SETTLEMENT_EXCEPTIONS = select(SettlementException.opened_at).where(
    SettlementException.status == "open"
)


def _replenishment(session: Session, now: datetime) -> Queue:
    """Lines of the newest plan still waiting for a planner that the operations view calls
    replenishment exceptions: cannot be planned, cut by a limit and not edited since, or still
    likely to run out with the planned quantity."""
    plan = session.execute(
        select(ReplenishmentPlan.id, ReplenishmentPlan.created_at)
        .where(ReplenishmentPlan.status == PlanStatus.PROPOSED)
        .order_by(ReplenishmentPlan.id.desc())
        .limit(1)
    ).one_or_none()
    title = "Plan lines needing a planner"
    if plan is None:
        return _aged("replenishment", title, None, [], now)
    flagged = session.scalar(
        select(func.count())
        .select_from(ReplenishmentLine)
        .where(ReplenishmentLine.plan_id == plan.id, plan_line_trouble().any)
    )
    link = f"/v1/replenishment/plans/{plan.id}/lines"
    return _aged("replenishment", title, link, [plan.created_at] * int(flagged or 0), now)


def _stamps(session: Session, query: Any) -> list[datetime]:
    return list(session.scalars(query))


def _aged(
    name: str, title: str, link: str | None, stamps: Sequence[datetime], now: datetime
) -> Queue:
    ages = sorted((now - stamp).total_seconds() / 3600 for stamp in stamps)
    return Queue(
        name=name,
        title=title,
        link=link,
        count=len(ages),
        oldest_hours=rounded(ages[-1] if ages else None, 1),
        median_hours=rounded(percentile(ages, 50), 1),
    )
