"""Moving-average cost: what a unit on the shelf cost, as receipts with a cost arrive.

A receipt of `qty` units at `unit_cost` into `on_hand` units valued at `average` gives
(on_hand * average + qty * unit_cost) / (on_hand + qty). With nothing (or less than nothing,
for items allowed to go negative) on hand, the receipt's cost is the new average: there is no
shelf value left to blend with.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

COST_STEP = Decimal("0.0001")  # the scale of Money columns


def moving_average(on_hand: int, average: Decimal, qty: int, unit_cost: Decimal) -> Decimal:
    if qty <= 0:
        raise ValueError("a receipt brings at least one unit")
    if on_hand <= 0:
        return unit_cost.quantize(COST_STEP, ROUND_HALF_EVEN)
    blended = (average * on_hand + unit_cost * qty) / (on_hand + qty)
    return blended.quantize(COST_STEP, ROUND_HALF_EVEN)


def current_cost(unit_cost: Decimal, average_cost: Decimal | None) -> Decimal:
    """The cost a unit leaves the shelf at: the moving average once a receipt was valued,
    the item's standard cost before."""
    return unit_cost if average_cost is None else average_cost
