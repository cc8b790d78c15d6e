"""Order quantities a supplier accepts: zero, or at least the MOQ and a whole number of packs.

    qty = pack x ceil(max(raw, MOQ) / pack)   for raw > 0, else 0

the same rule the policy simulator replays (optimization/simulation.py), so a plan and its
simulation round alike.
"""

from __future__ import annotations

import math

import numpy as np

# Float noise (e.g. 36.000000001 units) must not cost a whole extra pack.
_UNIT_TOLERANCE = 1e-9


def smallest_order(moq: int, pack_size: int) -> int:
    """The least positive quantity the supplier accepts: the MOQ rounded up to whole packs."""
    return pack_size * math.ceil(max(moq, 1) / pack_size)


def round_order(raw_qty: float, moq: int, pack_size: int) -> tuple[int, str]:
    """The accepted quantity for a raw need and how it was rounded, in planner's words:
    "none", "rounded up to whole units", "rounded up to pack 12", "raised to MOQ 50" or
    "raised to MOQ 50 and pack 12" (when the MOQ is not a whole number of packs)."""
    if raw_qty <= _UNIT_TOLERANCE:
        return 0, "none"
    qty = pack_size * math.ceil(max(raw_qty, moq) / pack_size - _UNIT_TOLERANCE)
    if moq > raw_qty:
        packs = f" and pack {pack_size}" if qty > moq else ""
        return qty, f"raised to MOQ {moq}{packs}"
    if qty - raw_qty <= _UNIT_TOLERANCE:
        return qty, "none"
    if qty > math.ceil(raw_qty - _UNIT_TOLERANCE):
        return qty, f"rounded up to pack {pack_size}"
    return qty, "rounded up to whole units"


def order_steps(moq: int, pack_size: int, up_to: int, max_steps: int) -> list[int]:
    """0, then accepted quantities from the smallest order up to `up_to` in whole packs: all of
    them when they fit in `max_steps`, else `max_steps` - 1 evenly spread ones that always
    include the smallest order and `up_to` itself."""
    if max_steps < 2:
        raise ValueError("options need room for at least 0 and the suggested quantity")
    if up_to <= 0:
        return [0]
    first = smallest_order(moq, pack_size)
    packs = max((up_to - first) // pack_size, 0)
    chosen = np.unique(np.rint(np.linspace(0, packs, min(packs + 1, max_steps - 1))))
    steps = [first + pack_size * int(k) for k in chosen]
    if steps[-1] != up_to:
        steps[-1] = up_to
    return [0, *steps]
