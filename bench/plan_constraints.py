"""Plan-cut benchmark: CP-SAT choosing order quantities for 10,000 lines within tight limits.

Seeded generated lines (sku, location), spread over 3 locations and 8 suppliers. Each line has
normal demand over its protection interval (mean d*T, sd sigma*sqrt(T)), an inventory position,
and a suggested quantity up to the 98% quantile; its options are 0 and about --options - 1
packs up to the suggestion, each with loss = margin cents x expected units short
E[(D - position - qty)^+] (normal loss function). Two variants are cut:

    budget          a budget of --budget-share (60%) of the suggested total cost
    all limits      the same budget, space at the 3 locations at 50, 65 and 80% and the
                    capacity of the 8 suppliers at 50 to 85% of what the suggestions use

For each it prints the status, the loss chosen and the solver's bound, the gap between them,
the model build and CP-SAT wall times, the total time of `cut_to_limits` (which builds the
model again), how many lines were cut and which limits bind. Goal (issue 7): a plan of 10,000
lines with a budget in under 30 s. --workers 1 is what makes a plan reproducible.

    .venv/bin/python bench/plan_constraints.py [--candidates 10000] [--options 10]
        [--budget-share 0.6] [--time-limit 20] [--workers 1] [--seed 7]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.stats import norm

from optimization.replenishment.constraints import (
    Candidate,
    CutResult,
    Limits,
    SolverParams,
    build_model,
    cut_to_limits,
)
from optimization.replenishment.limits import usage

LOCATIONS = ("DC-1", "DC-2", "STORE-3")
SUPPLIERS = tuple(f"SUP-{n}" for n in range(1, 9))
SPACE_SHARES = (0.5, 0.65, 0.8)
SUPPLIER_SHARES = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
console = Console(width=140)


def generate_lines(count: int, options: int, seed: int) -> list[Candidate]:
    rng = np.random.default_rng(seed)
    daily = rng.lognormal(1.0, 1.0, count)
    protection = rng.integers(7, 35, count)
    mean, sd = daily * protection, daily * rng.uniform(0.3, 1.2, count) * np.sqrt(protection)
    position = np.floor(rng.uniform(0.0, 0.5, count) * mean)
    top = np.maximum(np.ceil(mean + norm.ppf(0.98) * sd - position), 1)
    pack = np.ceil(top / (options - 1))
    unit_cost = np.round(rng.lognormal(7.0, 0.8, count)).astype(int) + 1
    margin = np.round(unit_cost * rng.uniform(0.2, 0.6, count)).astype(int) + 1
    space = rng.integers(1, 20, count)
    return [
        Candidate(
            key=(f"SKU-{n:05d}", LOCATIONS[n % 3]),
            supplier=SUPPLIERS[n % 8],
            location=LOCATIONS[n % 3],
            unit_cost_cents=int(unit_cost[n]),
            unit_space=int(space[n]),
            options=line_options(mean[n], sd[n], position[n], pack[n], top[n], margin[n]),
        )
        for n in range(count)
    ]


def line_options(
    mean: float, sd: float, position: float, pack: float, top: float, margin: int
) -> tuple[tuple[int, int], ...]:
    qty = np.unique(np.append(np.arange(0, top, pack), top))
    z = (position + qty - mean) / sd
    short = sd * (norm.pdf(z) - z * norm.sf(z))
    return tuple((int(q), int(round(margin * s))) for q, s in zip(qty, short, strict=True))


def tight_limits(lines: list[Candidate], budget_share: float, with_space: bool) -> Limits:
    suggested = {c.key: c.suggested for c in lines}
    unlimited = Limits(
        budget_cents=0,
        space_by_location=dict.fromkeys(LOCATIONS, 0),
        units_by_supplier=dict.fromkeys(SUPPLIERS, 0),
    )
    used = usage(lines, suggested, unlimited)
    budget = int(budget_share * used["budget"])
    if not with_space:
        return Limits(budget_cents=budget)
    return Limits(
        budget_cents=budget,
        space_by_location={
            loc: int(share * used[f"space:{loc}"])
            for loc, share in zip(LOCATIONS, SPACE_SHARES, strict=True)
        },
        units_by_supplier={
            sup: int(share * used[f"supplier:{sup}"])
            for sup, share in zip(SUPPLIERS, SUPPLIER_SHARES, strict=True)
        },
    )


def run_variant(
    name: str, lines: list[Candidate], limits: Limits, params: SolverParams, table: Table
) -> None:
    started = time.perf_counter()
    build_model(lines, limits)
    built = time.perf_counter() - started
    result = cut_to_limits(lines, limits, params.time_limit, params.workers)
    table.add_row(
        name,
        result.status,
        f"{result.objective:,.0f}",
        f"{result.bound:,.0f}",
        f"{gap(result):.4%}",
        f"{built:.2f}",
        f"{result.solve_time:.2f}",
        f"{result.wall_time:.2f}",
        f"{len(result.cut):,}",
        " ".join(result.binding) or "-",
    )


def gap(result: CutResult) -> float:
    return (result.objective - result.bound) / max(abs(result.objective), 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--budget-share", type=float, default=0.6)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    lines = generate_lines(args.candidates, args.options, args.seed)
    params = SolverParams(args.time_limit, args.workers)
    options = sum(len(c.options) for c in lines)
    table = Table(title=f"{len(lines):,} lines, {options:,} options, {args.workers} workers")
    for column in ("variant", "status", "loss", "bound", "gap", "build s", "CP-SAT s"):
        table.add_column(column)
    for column in ("total s", "lines cut", "binding"):
        table.add_column(column)
    for name, with_space in (("budget", False), ("all limits", True)):
        limits = tight_limits(lines, args.budget_share, with_space)
        run_variant(name, lines, limits, params, table)
    console.print(table)


if __name__ == "__main__":
    main()
