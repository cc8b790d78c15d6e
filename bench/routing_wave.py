"""Routing benchmark, optimiser against the greedy rule (issue 8):

    wave        5,000 released orders x 20 nodes routed jointly (route_wave) under shared
                scarce stock and node capacity: time, status, objective, proven bound and gap,
                units left unfilled, and the saving against routing the same orders one by one
                with the greedy rule (greedy_wave). Target: under 60 s with a gap under 1%.
    singles     10,000 generated orders routed one at a time: route_order (exact CP-SAT)
                against greedy_route (nearest node with stock, then split), the mean cost of
                each over the orders both route, the saving, and how many orders the rule
                finds no route for although the optimiser does.

Instances come from routing_instances.py (seeded; see its docstring for the network).

    .venv/bin/python bench/routing_wave.py [--orders 5000] [--nodes 20] [--scarcity 0.1]
        [--capacity 1.0] [--time-limit 55] [--workers 2] [--singles 10000] [--seed 0]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from routing_instances import random_orders, random_wave

from optimization.routing.greedy import greedy_route
from optimization.routing.single_order import costed, route_order
from optimization.routing.wave import Wave, WaveResult, greedy_wave, route_wave
from optimization.routing.wave_pricing import OrderPricer
from optimization.routing.wave_problem import pooled, unfilled_millicents

console = Console(width=120)


def wave_table(args: argparse.Namespace) -> Table:
    wave = random_wave(args.orders, args.nodes, args.scarcity, args.capacity, seed=args.seed)
    units = sum(line.qty for order in wave.orders for line in order.order.lines)
    result = route_wave(wave, time_limit=args.time_limit, workers=args.workers)
    _, greedy = greedy_wave(wave)
    title = (
        f"Wave: {len(wave.orders):,} orders ({units:,} units) x {args.nodes} nodes, "
        f"{args.workers} workers, limit {args.time_limit:.0f} s"
    )
    table = Table(title=title)
    for column in ("", "optimiser", "greedy rule"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("time s", f"{result.wall_time:.1f}", "")
    table.add_row("status", result.status, "")
    table.add_row(
        "objective EUR", _eur(result.objective_cents), _eur(result.greedy_objective_cents)
    )
    table.add_row("bound EUR", _eur(result.bound_cents), "")
    table.add_row("gap", f"{result.gap:.3%}", "")
    table.add_row("routing cost EUR", _eur(result.routing_cents), _eur(_routing(greedy)))
    table.add_row("unfilled penalty EUR", _eur(result.penalty_cents), "")
    table.add_row("units unfilled", f"{result.unfilled_units:,}", f"{_unfilled(greedy):,}")
    table.add_row("  of which even alone", f"{_unfilled_alone(wave):,}", "")
    table.add_row("saving vs greedy", _saving(result), "")
    return table


def singles_table(args: argparse.Namespace) -> Table:
    orders = random_orders(args.singles, args.nodes, seed=args.seed)
    started = time.perf_counter()
    optimal, rule, rule_fails, neither = [], [], 0, 0
    for order in orders:
        route = route_order(order)
        greedy = greedy_route(order)
        if route.cost_cents is None:
            neither += greedy is None
            continue
        if greedy is None:
            rule_fails += 1
            continue
        optimal.append(route.cost_cents)
        rule.append(costed(order, greedy, "greedy", None, 0.0).cost_cents or 0)
    seconds = time.perf_counter() - started
    table = Table(title=f"Single orders: {len(orders):,} x {args.nodes} nodes, one at a time")
    for column in ("", "value"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("routed by both", f"{len(optimal):,}")
    table.add_row("mean cost, optimiser EUR", f"{statistics.fmean(optimal) / 100:.2f}")
    table.add_row("mean cost, greedy rule EUR", f"{statistics.fmean(rule) / 100:.2f}")
    table.add_row("saving", f"{1 - sum(optimal) / sum(rule):.2%}")
    improved = sum(o < g for o, g in zip(optimal, rule, strict=True))
    table.add_row("orders the optimiser improves", f"{improved:,}")
    table.add_row("greedy finds no route, optimiser does", f"{rule_fails:,}")
    table.add_row("no route at all", f"{neither:,}")
    table.add_row("optimiser + rule time s", f"{seconds:.1f}")
    return table


def _eur(cents: float) -> str:
    return f"{cents / 100:,.2f}"


def _routing(routes: Sequence) -> int:
    return sum(route.cost_cents for route in routes)


def _unfilled(routes: Sequence) -> int:
    return sum(sum(route.unfilled.values()) for route in routes)


def _unfilled_alone(wave: Wave) -> int:
    """Units no plan ships even with the pools to the order itself (dates, rules, stock)."""
    units = 0
    for order in wave.orders:
        view = pooled(order.order, wave.stock, wave.orders_left, wave.units_left)
        plan = OrderPricer(view, unfilled_millicents(wave, order)).best({}).plan
        units += sum(plan.unfilled.values())
    return units


def _saving(result: WaveResult) -> str:
    share = (
        result.saving_cents / result.greedy_objective_cents if result.greedy_objective_cents else 0
    )
    return f"{_eur(result.saving_cents)} EUR ({share:.2%})"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--scarcity", type=float, default=0.1)
    parser.add_argument("--capacity", type=float, default=1.0)
    parser.add_argument("--time-limit", type=float, default=55.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--singles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    console.print(wave_table(args))
    console.print(singles_table(args))


if __name__ == "__main__":
    main()
