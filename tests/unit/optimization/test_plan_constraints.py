"""Cutting a replenishment plan to budget, space and supplier limits: the cut stays within every
limit, loses no more than the best cut found by brute force, and says which limits bind."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimization.replenishment import constraints
from optimization.replenishment.constraints import Candidate, CutResult, Limits, cut_to_limits
from optimization.replenishment.greedy_cut import greedy_cut

LOCATIONS = ("DC-1", "DC-2")
SUPPLIERS = ("ACME", "BOLT")


def line(
    sku: str,
    options: tuple[tuple[int, int], ...],
    cost: int = 1,
    space: int = 1,
    location: str = "DC-1",
    supplier: str = "ACME",
) -> Candidate:
    return Candidate((sku, location), supplier, location, cost, space, options)


def within(lines: list[Candidate], limits: Limits, chosen: dict[tuple[str, str], int]) -> bool:
    """Independent of the module's own usage arithmetic."""
    spent = sum(c.unit_cost_cents * chosen[c.key] for c in lines)
    if limits.budget_cents is not None and spent > limits.budget_cents:
        return False
    for location, cap in limits.space_by_location.items():
        if sum(c.unit_space * chosen[c.key] for c in lines if c.location == location) > cap:
            return False
    for supplier, cap in limits.units_by_supplier.items():
        if sum(chosen[c.key] for c in lines if c.supplier == supplier) > cap:
            return False
    return True


def least_loss(lines: list[Candidate], limits: Limits) -> float | None:
    best = None
    for combination in itertools.product(*(c.options for c in lines)):
        chosen = {c.key: qty for c, (qty, _) in zip(lines, combination, strict=True)}
        loss = sum(loss for _, loss in combination)
        if within(lines, limits, chosen) and (best is None or loss < best):
            best = loss
    return best


def random_plan(rng: np.random.Generator) -> tuple[list[Candidate], Limits]:
    lines = []
    for n in range(rng.integers(2, 6)):
        count = int(rng.integers(2, 5))
        lowest = 0 if rng.random() < 0.9 else 1
        qtys = np.sort(rng.choice(np.arange(lowest, 30), count, replace=False))
        losses = rng.integers(0, 200, count)
        # Mostly falling with quantity, as expected shortages do; sometimes not at all.
        losses = losses if rng.random() < 0.2 else np.sort(losses)[::-1]
        lines.append(
            line(
                f"SKU-{n}",
                tuple((int(q), int(v)) for q, v in zip(qtys, losses, strict=True)),
                cost=int(rng.integers(1, 50)),
                space=int(rng.integers(0, 5)),
                location=LOCATIONS[int(rng.integers(2))],
                supplier=SUPPLIERS[int(rng.integers(2))],
            )
        )
    return lines, random_limits(rng, lines)


def random_limits(rng: np.random.Generator, lines: list[Candidate]) -> Limits:
    def share(total: int) -> int:
        return int(rng.uniform(0.3, 1.1) * total)

    top = {c.key: c.suggested for c in lines}
    spent = sum(c.unit_cost_cents * top[c.key] for c in lines)
    space = {
        loc: share(sum(c.unit_space * top[c.key] for c in lines if c.location == loc))
        for loc in LOCATIONS
        if rng.random() < 0.5
    }
    units = {
        sup: share(sum(top[c.key] for c in lines if c.supplier == sup))
        for sup in SUPPLIERS
        if rng.random() < 0.5
    }
    budget = share(spent) if rng.random() < 0.7 else None
    return Limits(budget_cents=budget, space_by_location=space, units_by_supplier=units)


def generated_plan(lines: int, seed: int) -> tuple[list[Candidate], Limits]:
    """Lines with losses falling convexly over ten packs, a budget at 60% of the suggested
    cost, space at one location and one supplier's capacity at 70% of what they would use."""
    rng = np.random.default_rng(seed)
    candidates = []
    for n in range(lines):
        pack, scale = int(rng.integers(1, 20)), int(rng.integers(10, 10_000))
        options = tuple((k * pack, scale * (9 - k) ** 2) for k in range(10))
        location, supplier = LOCATIONS[n % 2], SUPPLIERS[n % 2]
        cost, space = int(rng.integers(50, 20_000)), int(rng.integers(1, 10))
        candidates.append(line(f"SKU-{n}", options, cost, space, location, supplier))
    top = {c.key: c.suggested for c in candidates}
    spent = sum(c.unit_cost_cents * top[c.key] for c in candidates)
    stored = sum(c.unit_space * top[c.key] for c in candidates if c.location == "DC-2")
    units = sum(top[c.key] for c in candidates if c.supplier == "ACME")
    limits = Limits(int(0.6 * spent), {"DC-2": int(0.7 * stored)}, {"ACME": int(0.7 * units)})
    return candidates, limits


def assert_consistent(lines: list[Candidate], result: CutResult) -> None:
    assert result.objective == sum(dict(c.options)[result.chosen[c.key]] for c in lines)
    assert result.cut == {
        c.key: (c.suggested, result.chosen[c.key])
        for c in lines
        if result.chosen[c.key] < c.suggested
    }


def test_with_no_binding_limit_the_suggestions_stand_and_the_solver_is_not_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_solver(*args: object) -> None:
        raise AssertionError("the solver was called")

    monkeypatch.setattr(constraints, "solve", no_solver)
    lines = [line("A", ((0, 90), (10, 5), (20, 0)), cost=300), line("B", ((0, 40), (6, 1)))]
    for limits in (Limits(), Limits(budget_cents=6_006, units_by_supplier={"ACME": 26})):
        result = cut_to_limits(lines, limits, time_limit=5, workers=1)
        assert result.status == "unconstrained"
        assert result.chosen == {("A", "DC-1"): 20, ("B", "DC-1"): 6}
        assert result.objective == result.bound == 1
        assert result.binding == [] and result.cut == {}


def test_the_cut_spends_no_more_than_the_budget_and_loses_least() -> None:
    rng = np.random.default_rng(3)
    lines = [
        line(f"SKU-{n}", tuple((q, int(900 / (1 + q))) for q in range(0, 40, 5)), cost=int(c))
        for n, c in enumerate(rng.integers(100, 5_000, 60))
    ]
    budget = sum(c.unit_cost_cents * c.suggested for c in lines) // 2
    result = cut_to_limits(lines, Limits(budget_cents=budget), time_limit=30, workers=1)
    assert result.status == "optimal"
    assert sum(c.unit_cost_cents * result.chosen[c.key] for c in lines) <= budget
    assert result.objective == result.bound
    assert result.binding == ["budget"]
    assert_consistent(lines, result)


def test_the_cut_loses_as_little_as_brute_force_over_every_combination() -> None:
    solved = 0
    for seed in range(200):
        lines, limits = random_plan(np.random.default_rng(seed))
        result = cut_to_limits(lines, limits, time_limit=10, workers=1)
        best = least_loss(lines, limits)
        if within(lines, limits, {c.key: c.suggested for c in lines}):
            assert result.status == "unconstrained", seed
            assert result.chosen == {c.key: c.suggested for c in lines}, seed
        elif best is None:
            assert result.status == "infeasible" and result.chosen == {}, seed
        else:
            assert result.status == "optimal", seed
            assert result.objective == best == result.bound, seed
            assert within(lines, limits, result.chosen), seed
            assert within(lines, limits, greedy_cut(lines, limits)), seed
            assert_consistent(lines, result)
            solved += 1
    assert solved > 100  # most instances do need the solver


def test_lines_cut_name_the_limits_that_stop_them_growing() -> None:
    lines = [
        line("A", ((0, 100), (5, 0), (10, 0))),
        line("B", ((0, 50), (5, 0), (12, 0))),
        line("C", ((0, 70), (4, 0)), location="DC-2", supplier="BOLT"),
    ]
    limits = Limits(budget_cents=100, space_by_location={"DC-1": 15})
    result = cut_to_limits(lines, limits, time_limit=5, workers=1)
    # Equal loss either way: the line listed first keeps its full quantity.
    assert result.chosen == {("A", "DC-1"): 10, ("B", "DC-1"): 5, ("C", "DC-2"): 4}
    assert result.cut == {("B", "DC-1"): (12, 5)}
    assert result.cut_by == {("B", "DC-1"): ("space:DC-1",)}
    assert result.binding == ["space:DC-1"]


def test_a_supplier_capacity_cuts_only_that_suppliers_lines() -> None:
    lines = [
        line("A", ((0, 100), (8, 30), (16, 0))),
        line("B", ((0, 100), (8, 20), (16, 0))),
        line("C", ((0, 100), (16, 0)), supplier="BOLT"),
    ]
    result = cut_to_limits(lines, Limits(units_by_supplier={"ACME": 24}), 5, workers=1)
    assert result.chosen == {("A", "DC-1"): 16, ("B", "DC-1"): 8, ("C", "DC-1"): 16}
    assert result.objective == 20
    assert result.cut_by == {("B", "DC-1"): ("supplier:ACME",)}


def test_when_even_the_smallest_quantities_do_not_fit_the_cut_is_infeasible() -> None:
    lines = [line("A", ((5, 10), (10, 0)), cost=10), line("B", ((0, 3), (4, 0)), cost=10)]
    result = cut_to_limits(lines, Limits(budget_cents=49), time_limit=5, workers=1)
    assert result.status == "infeasible"
    assert result.chosen == {}
    assert result.binding == ["budget"]


def test_the_same_plan_gives_the_same_cut() -> None:
    lines, limits = generated_plan(lines=400, seed=11)
    first = cut_to_limits(lines, limits, time_limit=30, workers=1)
    second = cut_to_limits(lines, limits, time_limit=30, workers=1)
    assert first.status == "optimal"
    assert (first.chosen, first.objective, first.cut_by) == (
        second.chosen,
        second.objective,
        second.cut_by,
    )


def test_a_tiny_time_limit_still_gives_a_plan_within_every_limit() -> None:
    lines, limits = generated_plan(lines=5_000, seed=5)
    time_limit = 0.05
    result = cut_to_limits(lines, limits, time_limit=time_limit, workers=1)
    assert result.status in ("feasible", "optimal")
    assert result.solve_time < time_limit + 1.0
    assert within(lines, limits, result.chosen)
    assert result.bound <= result.objective
    assert_consistent(lines, result)


def test_the_greedy_plan_for_when_cp_sat_runs_out_of_time_is_close_to_the_best() -> None:
    lines, limits = generated_plan(lines=400, seed=3)
    best = cut_to_limits(lines, limits, time_limit=30, workers=1)
    greedy = greedy_cut(lines, limits)
    assert best.status == "optimal" and len(best.binding) > 1
    assert within(lines, limits, greedy)
    assert best.objective <= sum(c.loss(greedy[c.key]) for c in lines) <= 1.01 * best.objective


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: line("A", ((-5, 0), (10, 0))), "option qty cannot be negative"),
        (lambda: line("A", ((0, 10), (10, 0)), cost=-1), "unit_cost_cents cannot be negative"),
        (lambda: line("A", ((0, -10), (10, 0))), "option loss cannot be negative"),
        (lambda: line("A", ((0, 10), (2.5, 0))), "option qty must be a whole number"),  # type: ignore[arg-type]
        (lambda: line("A", ((0, 10), (0, 5))), "two options share the same quantity"),
        (lambda: line("A", ()), "at least one"),
        (lambda: Limits(budget_cents=-1), "budget_cents cannot be negative"),
        (lambda: Limits(space_by_location={"DC-1": -3}), "space at DC-1 cannot be negative"),
    ],
)
def test_negative_or_fractional_quantities_costs_and_losses_are_refused(
    build: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_a_line_listed_twice_is_refused() -> None:
    twice = [line("A", ((0, 1), (5, 0))), line("A", ((0, 2), (6, 0)))]
    with pytest.raises(ValueError, match="only once"):
        cut_to_limits(twice, Limits(budget_cents=3), time_limit=5, workers=1)
