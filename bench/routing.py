"""Routing and allocation benchmarks (issue 8), everything in one go:

1. single-order routing through the HTTP API, 5-line orders over 20 locations: p50/p95/p99
   latency and where the time goes (routing_api.py);
2. the wave of 5,000 orders x 20 locations (time, gap, saving vs greedy) and the cost saving
   against the greedy rule over 10,000 generated single orders (routing_wave.py);
3. channel allocation: split_stock over 10,000 SKUs x 4 channels of generated demand, with
   each LP solver.

A part whose code is not there yet says so and the rest still runs.

    .venv/bin/python bench/routing.py
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import routing_api
from rich.table import Table
from support import console

ALLOCATION_SKUS = 10_000
CHANNELS = (("web", 1), ("marketplace-a", 2), ("marketplace-b", 3), ("b2b", 2))  # priority
SEED = 8


def skus_to_split(count: int, rng: np.random.Generator) -> list[Any]:
    """Log-normal demand per SKU and channel, margins mostly positive (about 3% of channels
    lose money), ring-fences on a fifth of them, stock between 30% and 150% of all demand."""
    from optimization.allocation.problem import ChannelDemand, SkuToSplit

    skus = []
    for n in range(count):
        demand = rng.lognormal(2.0, 1.0, len(CHANNELS))
        margin = rng.normal(8.0, 4.0, len(CHANNELS))
        fenced = rng.random(len(CHANNELS)) < 0.2
        available = int(demand.sum() * rng.uniform(0.3, 1.5))
        channels = tuple(
            ChannelDemand(
                name,
                float(demand[c]),
                None if rng.random() < 0.5 else float(demand[c] * rng.uniform(0.3, 1.2)),
                float(margin[c]),
                priority,
                int(min(demand[c] * 0.3, available / len(CHANNELS))) if fenced[c] else 0,
            )
            for c, (name, priority) in enumerate(CHANNELS)
        )
        skus.append(SkuToSplit(f"SKU-{n:05d}", available, channels))
    return skus


def allocation_table() -> Table:
    from optimization.allocation.channel_split import split_stock
    from optimization.allocation.problem import SplitSettings

    skus = skus_to_split(ALLOCATION_SKUS, np.random.default_rng(SEED))
    table = Table(title=f"split_stock: {ALLOCATION_SKUS:,} SKUs x {len(CHANNELS)} channels")
    for column in ("solver", "wall s", "status", "expected margin", "SKUs split"):
        table.add_column(column, justify="left" if column == "solver" else "right")
    for solver in ("GLOP", "PDLP"):
        started = time.perf_counter()
        result = split_stock(skus, SplitSettings(solver=solver))
        wall = time.perf_counter() - started
        placed = sum(split.status != "infeasible" for split in result.skus)
        table.add_row(
            solver, f"{wall:.2f}", result.status, f"{result.objective:,.0f}", f"{placed:,}"
        )
    return table


def main() -> None:
    routing_api.main()
    try:
        import routing_wave
    except ImportError as error:
        console.print(f"wave and single-order cost vs greedy: not available yet ({error})")
    else:
        routing_wave.main()
    try:
        table = allocation_table()
    except ImportError as error:
        console.print(f"channel allocation: not available yet ({error})")
    else:
        console.print(table)


if __name__ == "__main__":
    main()
