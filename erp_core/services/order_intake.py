"""Writing captured orders set-wise: one order, or a batch of one channel's orders.

What the orders of a batch share (channel, policy, items, customers, free stock, the orders
captured before) is read once, each order is validated in memory, and the rows of all accepted
orders go in with a few multi-row inserts. An order naming an unknown or deactivated item is
refused on its own, before anything is written; the others go ahead.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import OutboxEvent, TaxRate
from erp_core.adapters.order_tables import Hold, Order, OrderLine, OrderStatusChange
from erp_core.adapters.tables import AUDIT, Channel, Customer, Item, Location, StockBalance
from erp_core.clock import utcnow
from erp_core.domain.errors import (
    AlreadyExists,
    DomainError,
    InactiveRecord,
    InvalidInput,
    NotFound,
)
from erp_core.domain.order_rules import (
    AnomalyVerdict,
    Finding,
    HoldReason,
    HoldStatus,
    OrderFacts,
    OrderPolicy,
    failed_checks,
)
from erp_core.domain.orders import LineAmounts, OrderAmounts, OrderStatus
from erp_core.domain.stock import StockStatus
from erp_core.domain.tax import jurisdiction_of, line_tax, rate_for, rates_on
from erp_core.services import master_data as md
from erp_core.services.anomaly_scoring import OrderScorer, ScoringOrder, address_key, keep_scores
from erp_core.services.audit import json_safe
from erp_core.services.lookup import active_by_code
from erp_core.services.order_commands import CustomerCommand, OrderCommand
from erp_core.services.order_policies import policy_for

READY_NOTE = "passed every check"


@dataclass(frozen=True)
class Outcome:
    """A captured order: new (`created`), or the one captured before for this channel order."""

    order_id: int
    created: bool


@dataclass(frozen=True)
class _Accepted:
    index: int
    cmd: OrderCommand
    amounts: OrderAmounts
    findings: list[Finding]
    scored: tuple[ScoringOrder, AnomalyVerdict] | None = None
    tax_jurisdiction: str | None = None


def intake(
    session: Session,
    actor: str,
    channel_code: str,
    cmds: Sequence[OrderCommand],
    scorer: OrderScorer | None,
) -> list[Outcome | DomainError]:
    """The outcome, or the refusal, of each command, in the order given."""
    channel = active_by_code(session, Channel, channel_code)
    policy = policy_for(session, channel.id)
    captured = _captured(session, channel.id, {cmd.external_id for cmd in cmds})
    items = _items(session, {line.sku for cmd in cmds for line in cmd.lines})
    rates = _tax_rates(session, utcnow().date())
    # Capture never moves stock, so free stock read once holds for the whole batch.
    free = _free_stock(session, items.values()) if policy.hold_without_stock else None

    results: dict[int, Outcome | DomainError] = {}
    checked: list[tuple[int, OrderCommand, OrderAmounts, OrderFacts]] = []
    first_seen: dict[str, int] = {}
    for index, cmd in enumerate(cmds):
        if cmd.external_id in captured:
            results[index] = Outcome(captured[cmd.external_id], created=False)
        elif cmd.external_id in first_seen:
            continue  # the same channel order twice in one batch: answered as its first copy
        elif (refusal := _refusal(cmd, channel_code, items)) is not None:
            results[index] = refusal
        else:
            first_seen[cmd.external_id] = index
            amounts = _amounts(cmd, items, rates)
            facts = OrderFacts(
                ship_to=cmd.ship_to,
                payment=cmd.payment_status,
                shipping_method=cmd.shipping_method,
                amounts=amounts,
                restricted_regions=_restricted(cmd, items),
                short_skus=_short_skus(cmd, items, free) if free is not None else [],
            )
            checked.append((index, cmd, amounts, facts))

    now = utcnow()
    scoring = [(index, cmd, amounts) for index, cmd, amounts, _ in checked]
    scored = _scored(session, scoring, scorer, now) if policy.anomaly_check else {}
    accepted = [
        _Accepted(
            index,
            cmd,
            amounts,
            _findings(facts, scored.get(index), policy),
            scored.get(index),
            jurisdiction_of(cmd.ship_to, rates),
        )
        for index, cmd, amounts, facts in checked
    ]
    ids = _write(session, actor, channel, accepted, items, now)
    created = {
        order.cmd.external_id: order_id for order, order_id in zip(accepted, ids, strict=True)
    }
    for order in accepted:
        results[order.index] = Outcome(created[order.cmd.external_id], created=True)
    return [
        results[index] if index in results else Outcome(created[cmd.external_id], created=False)
        for index, cmd in enumerate(cmds)
    ]


def _refusal(cmd: OrderCommand, channel_code: str, items: dict[str, Item]) -> DomainError | None:
    if cmd.channel != channel_code:
        return InvalidInput(
            f"the order is for channel {cmd.channel!r}, the batch for {channel_code!r}",
            external_id=cmd.external_id,
        )
    for line in cmd.lines:
        item = items.get(line.sku)
        if item is None:
            return NotFound(f"item {line.sku!r} not found", code=line.sku)
        if not item.active:
            return InactiveRecord(f"item {line.sku!r} is deactivated", code=line.sku)
    return None


def _amounts(cmd: OrderCommand, items: dict[str, Item], rates: dict[str, Decimal]) -> OrderAmounts:
    rate = rate_for(cmd.ship_to, rates)
    lines = tuple(
        LineAmounts(
            line.qty,
            line.unit_price,
            line.discount,
            line_tax(rate, line.qty, line.unit_price, line.discount)
            if line.tax is None
            else line.tax,
            items[line.sku].unit_cost,
        )
        for line in cmd.lines
    )
    return OrderAmounts(lines, cmd.shipping)


def _tax_rates(session: Session, day: date) -> dict[str, Decimal]:
    rows = session.execute(select(TaxRate.jurisdiction, TaxRate.rate, TaxRate.valid_from))
    return rates_on(((j, r, v) for j, r, v in rows), day)


def _restricted(cmd: OrderCommand, items: dict[str, Item]) -> dict[str, list[str]]:
    regions = {line.sku: items[line.sku].restricted_regions for line in cmd.lines}
    return {sku: where for sku, where in regions.items() if where}


def _short_skus(cmd: OrderCommand, items: dict[str, Item], free: dict[int, int]) -> list[str]:
    """SKUs whose free stock over all active locations is less than the order asks for."""
    wanted: dict[str, int] = defaultdict(int)
    for line in cmd.lines:
        wanted[line.sku] += line.qty
    return sorted(sku for sku, qty in wanted.items() if free.get(items[sku].id, 0) < qty)


def _scored(
    session: Session,
    checked: list[tuple[int, OrderCommand, OrderAmounts]],
    scorer: OrderScorer | None,
    now: datetime,
) -> dict[int, tuple[ScoringOrder, AnomalyVerdict]]:
    """Each order's anomaly verdict, the batch scored at once, by position in the batch."""
    if scorer is None or not checked:
        return {}
    codes = {cmd.customer.code for _, cmd, _ in checked if cmd.customer}
    known: dict[str, tuple[int | None, str | None]] = {
        code: (customer_id, region)
        for code, customer_id, region in session.execute(
            select(Customer.code, Customer.id, Customer.region).where(Customer.code.in_(codes))
        )
    }
    views = [
        _scoring_order(cmd, amounts, known, now + timedelta(microseconds=step))
        for step, (_, cmd, amounts) in enumerate(checked)
    ]
    verdicts = scorer.score(session, views)
    return {
        index: (view, verdict)
        for (index, *_), view, verdict in zip(checked, views, verdicts, strict=True)
    }


def score_command(session: Session, cmd: OrderCommand, scorer: OrderScorer) -> AnomalyVerdict:
    """The anomaly verdict capture would give the order now; writes nothing."""
    active_by_code(session, Channel, cmd.channel)
    items = _items(session, {line.sku for line in cmd.lines})
    if (refusal := _refusal(cmd, cmd.channel, items)) is not None:
        raise refusal
    amounts = _amounts(cmd, items, _tax_rates(session, utcnow().date()))
    return _scored(session, [(0, cmd, amounts)], scorer, utcnow())[0][1]


def _scoring_order(
    cmd: OrderCommand,
    amounts: OrderAmounts,
    known: dict[str, tuple[int | None, str | None]],
    created_at: datetime,
) -> ScoringOrder:
    customer_id, region = (
        known.get(cmd.customer.code, (None, None)) if cmd.customer else (None, None)
    )
    if cmd.customer and customer_id is None:
        region = cmd.customer.region  # a new customer: what the channel says of them
    return ScoringOrder(
        channel=cmd.channel,
        customer_id=customer_id,
        customer_region=region,
        address_key=address_key(cmd.ship_to),
        ship_region=cmd.ship_to.get("country"),
        created_at=created_at,
        value=float(amounts.net),
        discount=float(amounts.discount),
        cost=float(amounts.cost),
        lines=tuple((line.sku, line.qty) for line in cmd.lines),
    )


def _findings(
    facts: OrderFacts,
    scored: tuple[ScoringOrder, AnomalyVerdict] | None,
    policy: OrderPolicy,
) -> list[Finding]:
    return failed_checks(replace(facts, anomaly=scored[1] if scored else None), policy)


# --- reads the batch shares -----------------------------------------------------------------


def _captured(session: Session, channel_id: int, external_ids: set[str]) -> dict[str, int]:
    query = select(Order.external_id, Order.id).where(
        Order.channel_id == channel_id, Order.external_id.in_(external_ids)
    )
    return {external_id: order_id for external_id, order_id in session.execute(query)}


def _items(session: Session, skus: set[str]) -> dict[str, Item]:
    return {item.sku: item for item in session.scalars(select(Item).where(Item.sku.in_(skus)))}


def _free_stock(session: Session, items: Iterable[Item]) -> dict[int, int]:
    query = (
        select(StockBalance.item_id, func.sum(StockBalance.qty))
        .join(Location, Location.id == StockBalance.location_id)
        .where(
            StockBalance.item_id.in_([item.id for item in items]),
            StockBalance.status == StockStatus.AVAILABLE,
            Location.active,
        )
        .group_by(StockBalance.item_id)
    )
    return {item_id: int(qty) for item_id, qty in session.execute(query)}


def _customer_ids(
    session: Session, actor: str, customers: Iterable[CustomerCommand]
) -> dict[str, int]:
    """Each customer's id, created on first sight (channels send the customer with the order)."""
    wanted = {customer.code: customer for customer in customers}
    if not wanted:
        return {}
    query = select(Customer.code, Customer.id).where(Customer.code.in_(wanted))
    known = {code: customer_id for code, customer_id in session.execute(query)}
    for code, customer in wanted.items():
        if code not in known:
            known[code] = _new_customer(session, actor, customer)
    return known


def _new_customer(session: Session, actor: str, customer: CustomerCommand) -> int:
    values = {
        "code": customer.code,
        "name": customer.name,
        "email": customer.email,
        "region": customer.region,
    }
    try:
        return int(md.add_record(session, actor, md.CUSTOMERS, values)["id"])
    except AlreadyExists:
        # Another order brought the same new customer and committed a moment ago.
        return int(session.scalars(select(Customer.id).where(Customer.code == customer.code)).one())


# --- writes ---------------------------------------------------------------------------------


def _write(
    session: Session,
    actor: str,
    channel: Channel,
    accepted: list[_Accepted],
    items: dict[str, Item],
    now: datetime,
) -> list[int]:
    """Every accepted order with its lines, timeline, holds, events, anomaly score and audit
    record."""
    if not accepted:
        return []
    customers = _customer_ids(session, actor, (a.cmd.customer for a in accepted if a.cmd.customer))
    orders = [_order_row(a, channel.id, customers, now) for a in accepted]
    returning = insert(Order).returning(Order.id, sort_by_parameter_order=True)
    ids = list(session.scalars(returning, orders))
    placed = list(zip(accepted, ids, strict=True))
    _insert(session, OrderLine, [row for a, oid in placed for row in _line_rows(a, oid, items)])
    _insert(
        session,
        OrderStatusChange,
        [row for a, oid in placed for row in _timeline(a, oid, actor, now)],
    )
    _insert(session, Hold, [row for a, oid in placed for row in _holds(a, oid, now)])
    keep_scores(
        session,
        [
            (
                oid,
                channel.id,
                # A customer seen for the first time has an id only now.
                replace(a.scored[0], customer_id=customers[a.cmd.customer.code])
                if a.cmd.customer
                else a.scored[0],
                a.scored[1],
                any(f.reason == HoldReason.ANOMALY for f in a.findings),
            )
            for a, oid in placed
            if a.scored
        ],
    )
    _insert(
        session, OutboxEvent, [_ready_event(a, oid, now) for a, oid in placed if not a.findings]
    )
    session.execute(
        insert(AUDIT), [_audit_row(a, oid, channel.code, actor, now) for a, oid in placed]
    )
    return ids


def _insert(session: Session, table: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table), rows)


def _status(accepted: _Accepted) -> OrderStatus:
    return OrderStatus.HELD if accepted.findings else OrderStatus.READY


def _order_row(
    a: _Accepted, channel_id: int, customers: dict[str, int], now: datetime
) -> dict[str, Any]:
    cmd = a.cmd
    return {
        "channel_id": channel_id,
        "external_id": cmd.external_id,
        "status": _status(a),
        "customer_id": customers[cmd.customer.code] if cmd.customer else None,
        "payment_status": cmd.payment_status,
        "shipping_method": cmd.shipping_method,
        "ship_to": cmd.ship_to,
        "tax_jurisdiction": a.tax_jurisdiction,
        "currency": cmd.currency,
        "requested_delivery_date": cmd.requested_delivery_date,
        "goods": a.amounts.goods,
        "discount": a.amounts.discount,
        "tax": a.amounts.tax,
        "shipping": cmd.shipping,
        "total": a.amounts.total,
        "created_at": now,
        "status_changed_at": now,
    }


def _line_rows(a: _Accepted, order_id: int, items: dict[str, Item]) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id,
            "line_no": n,
            "item_id": items[line.sku].id,
            "qty": line.qty,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "tax": amounts.tax,
            "unit_cost": items[line.sku].unit_cost,
        }
        for n, (line, amounts) in enumerate(zip(a.cmd.lines, a.amounts.lines, strict=True), 1)
    ]


def _timeline(a: _Accepted, order_id: int, actor: str, now: datetime) -> list[dict[str, Any]]:
    """Received, then ready or held: the same two steps as a status change after capture."""
    note = "; ".join(f.reason.value for f in a.findings) if a.findings else READY_NOTE
    if a.scored and a.scored[1].note:
        note = f"{note} ({a.scored[1].note})"
    received = OrderStatus.RECEIVED
    return [
        {
            "order_id": order_id,
            "from_status": None,
            "to_status": received,
            "at": now,
            "actor": actor,
            "note": None,
        },
        {
            "order_id": order_id,
            "from_status": received,
            "to_status": _status(a),
            "at": now,
            "actor": actor,
            "note": note[:500],
        },
    ]


def _holds(a: _Accepted, order_id: int, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id,
            "reason": finding.reason,
            "message": finding.message[:500],
            "details": finding.details,
            "status": HoldStatus.OPEN,
            "opened_at": now,
        }
        for finding in a.findings
    ]


def _ready_event(a: _Accepted, order_id: int, now: datetime) -> dict[str, Any]:
    payload = {
        "order_id": order_id,
        "external_id": a.cmd.external_id,
        "status": OrderStatus.READY,
        "at": now,
        "note": READY_NOTE,
    }
    return {
        "event_id": str(uuid.uuid4()),
        "kind": f"order.{OrderStatus.READY.value}",
        "order_id": order_id,
        "payload": json_safe(payload),
        "created_at": now,
    }


def _audit_row(
    a: _Accepted, order_id: int, channel_code: str, actor: str, now: datetime
) -> dict[str, Any]:
    after = {"id": order_id, "status": _status(a), "total": a.amounts.total}
    return {
        "at": now,
        "actor": actor,
        "action": "order.capture",
        "entity": "order",
        "entity_key": f"{channel_code}/{a.cmd.external_id}",
        "before": None,
        "after": json_safe(after),
    }
