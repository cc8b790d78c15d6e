"""Projected stock of one SKU-location, day by day, for people to look at.

Net stock(t) = on hand - backorders + arrivals up to t - forecast demand up to t; it goes
negative when demand would wait (backorders). Inventory position(t) = net stock(t) + what is
still on its way at t. Deterministic: the expected path, not a simulation (optimization/
simulation.py draws random paths).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Projection:
    day: np.ndarray  # 0 = the planning date
    net_stock: np.ndarray
    on_order: np.ndarray
    position: np.ndarray


def project_inventory(
    net_stock: float,
    daily_demand: float,
    arrivals: Sequence[tuple[int, float]],
    days: int,
) -> Projection:
    """`arrivals` are (day offset, units); an arrival on day t is on the shelf at the end of t."""
    if days < 1:
        raise ValueError(f"a projection covers at least one day, not {days}")
    day = np.arange(days + 1)
    arrived = np.zeros(days + 1)
    total_inbound = 0.0
    for offset, units in arrivals:
        total_inbound += units
        if offset <= days:
            arrived[max(offset, 0)] += units
    received = np.cumsum(arrived)
    stock = net_stock + received - daily_demand * day
    on_order = total_inbound - received
    return Projection(day=day, net_stock=stock, on_order=on_order, position=stock + on_order)
