"""Answer "where should this order ship from?" for the routing endpoint: gather the order's
facts (read only), apply any what-if, solve exactly, and explain: per line the sources, the
packages, the cost split, the promised date, the solver's status and bound, and the
alternatives with why each lost. Nothing is reserved or written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from erp_core.adapters.database import Database
from erp_core.clock import utcnow
from erp_core.domain.errors import InvalidInput, NotFound
from erp_core.domain.routing import Band, NodeFacts, RoutingFacts
from erp_core.queries.routing_facts import cents, inline_facts, order_facts
from optimization.routing.alternatives import alternatives
from optimization.routing.single_order import Route, route_order
from pipelines.routing_orders import to_route_order

SHOWN_ALTERNATIVES = 10
CENT = Decimal("0.01")


@dataclass(frozen=True)
class InlineAsk:
    channel: str
    lines: Sequence[tuple[str, int]]  # (sku, qty)
    ship_to: dict[str, Any]
    requested: date | None = None


@dataclass(frozen=True)
class NodeWhatIf:
    location: str
    handling_order: Decimal | None = None
    handling_unit: Decimal | None = None
    orders_left: int | None = None
    units_left: int | None = None
    transit_days: int | None = None
    bands: tuple[Band, ...] | None = None


@dataclass(frozen=True)
class WhatIf:
    stock: Sequence[tuple[str, str, int]] = ()  # (sku, location, free units)
    nodes: Sequence[NodeWhatIf] = ()
    split_penalty: Decimal | None = None


def route(db: Database, order_id: int | None, inline: InlineAsk | None) -> dict[str, Any]:
    return simulate(db, order_id, inline, WhatIf())


def simulate(
    db: Database, order_id: int | None, inline: InlineAsk | None, what_if: WhatIf
) -> dict[str, Any]:
    facts = db.read(lambda session: _facts(session, db, order_id, inline))
    facts = _apply(facts, what_if)
    settings = db.settings
    order = to_route_order(facts)
    found = route_order(order, settings.routing_time_limit_seconds, settings.solver_workers)
    return answer(facts, found, utcnow().date())


def _facts(
    session: Session, db: Database, order_id: int | None, inline: InlineAsk | None
) -> RoutingFacts:
    if order_id is not None:
        return order_facts(session, db.settings, order_id)
    assert inline is not None
    return inline_facts(
        session, db.settings, inline.lines, inline.ship_to, inline.channel, inline.requested
    )


def _apply(facts: RoutingFacts, what_if: WhatIf) -> RoutingFacts:
    """The facts as they would be: stock, a location's costs or capacity, the split penalty."""
    places = {node.code: node for node in facts.nodes}
    items = {line.sku: line.item_id for line in facts.lines}
    stock = dict(facts.stock)
    for sku, location, qty in what_if.stock:
        if location not in places:
            raise NotFound(f"location {location!r} not found or inactive", code=location)
        if sku not in items:
            raise InvalidInput(f"sku {sku!r} is not on the order", sku=sku)
        stock[items[sku], places[location].location_id] = qty
    for change in what_if.nodes:
        if (code := change.location) not in places:
            raise NotFound(f"location {change.location!r} not found or inactive", code=code)
        places[change.location] = _changed(places[change.location], change)
    penalty = what_if.split_penalty
    return replace(
        facts,
        stock=stock,
        nodes=tuple(places[node.code] for node in facts.nodes),
        split_penalty_cents=facts.split_penalty_cents if penalty is None else cents(penalty),
    )


def _changed(node: NodeFacts, change: NodeWhatIf) -> NodeFacts:
    def pick(new: Any, old: Any) -> Any:
        return old if new is None else new

    per_order, per_unit = change.handling_order, change.handling_unit
    return replace(
        node,
        handling_order_cents=node.handling_order_cents if per_order is None else cents(per_order),
        handling_unit_cents=node.handling_unit_cents if per_unit is None else cents(per_unit),
        orders_left=pick(change.orders_left, node.orders_left),
        units_left=pick(change.units_left, node.units_left),
        transit_days=pick(change.transit_days, node.transit_days),
        bands=pick(change.bands, node.bands),
        lane=node.lane if change.bands is None else "what-if",
    )


def answer(facts: RoutingFacts, found: Route, today: date) -> dict[str, Any]:
    nodes = {node.code: node for node in facts.nodes}
    weights = {line.line_no: line.weight_g for line in facts.lines}
    lines = routed_lines(facts, found.assignment)
    packages: list[dict[str, Any]] = []
    for code in sorted({code for _, code in found.assignment}):
        mine = {n: q for (n, c), q in found.assignment.items() if c == code}
        grams = sum(q * weights[n] for n, q in mine.items())
        packages.append(
            {
                "location": code,
                "units": sum(mine.values()),
                "weight_kg": Decimal(grams) / 1000,
                "transit_days": nodes[code].transit_days,
                "lane": nodes[code].lane,
            }
        )
    shown = []
    if found.cost_cents is not None and not found.short:
        order = to_route_order(facts)
        shown = [
            {"name": a.name, "cost": money(a.cost_cents), "why_lost": a.why_lost}
            for a in alternatives(order, found)[:SHOWN_ALTERNATIVES]
        ]
    slowest = max((p["transit_days"] for p in packages), default=None)
    return {
        "status": found.status,
        "channel": facts.channel,
        "zone": facts.zone,
        "lines": lines,
        "packages": packages,
        "cost": None
        if found.cost_cents is None
        else {
            "total": money(found.cost_cents),
            "handling": money(found.handling_cents),
            "shipping": money(found.shipping_cents),
            "split_penalty": money(found.split_penalty_cents),
        },
        "promised_delivery_date": None if slowest is None else today + timedelta(days=slowest),
        "solver": {
            "status": found.status,
            "bound": money(found.bound_cents),
            "wall_time_ms": round(found.wall_time * 1000, 2),
        },
        "alternatives": shown,
        "reasons": found.reasons,
    }


def routed_lines(
    facts: RoutingFacts, assignment: dict[tuple[int, str], int]
) -> list[dict[str, Any]]:
    """Per line: where its units ship from, and how many are left short."""
    lines: list[dict[str, Any]] = []
    for line in facts.lines:
        taken = [(code, qty) for (n, code), qty in sorted(assignment.items()) if n == line.line_no]
        sources = [{"location": code, "qty": qty} for code, qty in taken]
        shipped = sum(qty for _, qty in taken)
        lines.append(
            {
                "line": line.line_no,
                "sku": line.sku,
                "qty": line.qty,
                "sources": sources,
                "short": line.qty - shipped,
            }
        )
    return lines


def money(amount_cents: float | None) -> Decimal | None:
    return None if amount_cents is None else (Decimal(round(amount_cents)) / 100).quantize(CENT)
