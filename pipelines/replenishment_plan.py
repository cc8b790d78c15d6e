"""`POST /v1/replenishment/plans` and `keel plan create`: read the system of record, suggest a
quantity per SKU-location with the policy library, cut the suggestions to the budget, space
and supplier limits with CP-SAT, and save the plan whole with every line's reasons.

A plan reads and writes nothing but its own rows (RELIABILITY 15): only approval raises orders.
Same data and settings give the same plan: the policy is deterministic for a seed, and the
solver runs with a fixed seed (and one worker unless the settings say otherwise).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from erp_core.adapters.database import Database
from erp_core.domain.errors import InvalidInput, NotFound
from erp_core.domain.replenishment import (
    check_budget,
    check_limits,
    check_service_levels,
    check_service_type,
)
from erp_core.queries.planning_facts import PlanningFacts, planning_facts
from erp_core.services.replenishment_plans import PlanDraft, save_plan
from optimization.replenishment.constraints import CutResult, cut_to_limits
from optimization.replenishment.limits import Candidate, Limits
from optimization.replenishment.policy_line import LineSuggestion, options, suggest
from pipelines.demand_frames import demand_frame
from pipelines.plan_lines import LOSS_SCALE, plan_summary, planned_lines
from pipelines.replenishment_inputs import HISTORY_DAYS, PlanInputs, PlanRequest, plan_inputs

log = logging.getLogger("keel.plan")
Progress = Callable[[str, int, int], None]  # phase, done, total


@dataclass(frozen=True)
class PlanAsk:
    planning_date: date
    skus: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    suppliers: tuple[str, ...] = ()
    budget: Decimal | None = None
    space_by_location: Mapping[str, int] = field(default_factory=dict)
    units_by_supplier: Mapping[str, int] = field(default_factory=dict)
    service_levels: Mapping[str, float] = field(default_factory=dict)  # class ("AX") or SKU
    service_type: str | None = None
    review_period: int | None = None


def create_plan(db: Database, actor: str, ask: PlanAsk, progress: Progress | None = None) -> int:
    started = time.perf_counter()
    settings = db.settings
    service_type = ask.service_type or settings.replenishment_service_type
    _check(ask, service_type)
    facts = planning_facts(db, ask.planning_date, ask.skus, ask.locations)
    _check_known(facts, ask)
    history = demand_frame(
        db,
        "location",
        until=ask.planning_date - timedelta(days=1),
        since=ask.planning_date - timedelta(days=HISTORY_DAYS),
    )
    request = PlanRequest(
        planning_date=ask.planning_date,
        service_type=service_type,
        review_period=ask.review_period or settings.replenishment_review_period_days,
        min_receipts=settings.replenishment_min_receipts,
        suppliers=ask.suppliers,
        class_targets=settings.replenishment_service_targets
        | {k: v for k, v in ask.service_levels.items() if _is_class(k)},
        sku_targets={k: v for k, v in ask.service_levels.items() if not _is_class(k)},
    )
    check_service_levels(request.class_targets)  # the settings' targets as well
    inputs = plan_inputs(facts, history, request)
    if len(inputs.positions) + len(inputs.unplannable) > settings.replenishment_max_lines:
        raise InvalidInput(
            "the plan would cover more SKU-locations than allowed; narrow it by SKU, location "
            "or supplier",
            limit=settings.replenishment_max_lines,
        )
    suggestions = _suggest(inputs, progress)
    cut = _cut(db, suggestions, ask)
    lines = planned_lines(ask.planning_date, facts, inputs, suggestions, cut)
    summary = plan_summary(inputs, suggestions, cut, lines, time.perf_counter() - started)
    return save_plan(
        db,
        actor,
        PlanDraft(
            planning_date=ask.planning_date,
            request=_request_record(ask, request),
            budget=ask.budget,
            forecast_run_id=facts.forecast_run,
            summary=summary,
            lines=lines,
        ),
    )


def _check(ask: PlanAsk, service_type: str) -> None:
    check_budget(ask.budget)
    check_service_type(service_type)
    check_service_levels(ask.service_levels)
    check_limits(dict(ask.space_by_location) | dict(ask.units_by_supplier))
    if ask.review_period is not None and ask.review_period < 1:
        raise InvalidInput("the review period is at least one day", review_period=ask.review_period)


def _check_known(facts: PlanningFacts, ask: PlanAsk) -> None:
    for what, asked, known in (
        ("SKU", ask.skus, facts.items),
        ("SKU", [k for k in ask.service_levels if not _is_class(k)], facts.items),
        ("location", ask.locations, facts.locations),
        ("supplier", ask.suppliers, facts.suppliers),
        ("location", ask.space_by_location, facts.locations),
        ("supplier", ask.units_by_supplier, facts.suppliers),
    ):
        unknown = sorted(set(asked) - set(known))
        if unknown:
            raise NotFound(
                f"unknown or inactive {what}: {', '.join(unknown)}"
                + (" (only stocking locations are planned)" if what == "location" else ""),
                kind=what,
                unknown=unknown,
            )


def _is_class(key: str) -> bool:
    return len(key) == 2 and key[0] in "ABC" and key[1] in "XYZ"


def _suggest(inputs: PlanInputs, progress: Progress | None) -> list[LineSuggestion]:
    found = []
    total = len(inputs.positions)
    for done, position in enumerate(inputs.positions, start=1):
        found.append(suggest(position))
        if progress and (done % 500 == 0 or done == total):
            progress("policy", done, total)
    log.info("suggested %d SKU-locations", total)
    return found


def _cut(db: Database, suggestions: list[LineSuggestion], ask: PlanAsk) -> CutResult:
    candidates = [
        Candidate(
            key=s.key,
            supplier=s.supplier,
            location=s.key[1],
            unit_cost_cents=round(s.unit_cost * 100),
            unit_space=1,  # items carry no volume: space is counted in units
            options=tuple((qty, round(short * LOSS_SCALE)) for qty, short in options(s)),
        )
        for s in suggestions
        if s.qty > 0
    ]
    limits = Limits(
        budget_cents=None if ask.budget is None else int(ask.budget * 100),
        space_by_location=dict(ask.space_by_location),
        units_by_supplier=dict(ask.units_by_supplier),
    )
    cut = cut_to_limits(
        candidates, limits, db.settings.solver_time_limit_seconds, db.settings.solver_workers
    )
    if cut.status == "infeasible":  # every option includes buying nothing, which always fits
        raise InvalidInput(f"no plan keeps to {', '.join(cut.binding)}", binding=cut.binding)
    return cut


def _request_record(ask: PlanAsk, request: PlanRequest) -> dict[str, Any]:
    return {
        "skus": list(ask.skus),
        "locations": list(ask.locations),
        "suppliers": list(ask.suppliers),
        "budget": None if ask.budget is None else str(ask.budget),
        "space_by_location": dict(ask.space_by_location),
        "units_by_supplier": dict(ask.units_by_supplier),
        "service_levels": dict(ask.service_levels),
        "service_type": request.service_type,
        "review_period": request.review_period,
    }
