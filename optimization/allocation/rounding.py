"""Whole units from the LP's fractional split: largest remainder, then unit trades.

Largest remainder gives every channel max(floor, round-down of its share) and the units still
missing to its SKU's total, one each, to the largest fractional parts (ties to higher priority);
any excess (a first-order solver may overshoot slightly) comes back from the smallest parts.

The LP's chords leave answers on the breakpoint grid (three equal channels sharing 21 units may
get 8, 8 and 5). The objective is separable and concave in whole units, so moving single units
from the channel whose last unit earns least to the one whose next unit earns most, until no move
pays, reaches the best integer split (Ibaraki and Katoh, Resource Allocation Problems, 1988).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from optimization.allocation.sales_curve import Floats

# LP values such as 4.9999999 are whole units, not 4 plus a remainder.
_WHOLE_TOLERANCE = 1e-6
# A trade must earn more than float noise on objective weights of order 1.
_MIN_TRADE_GAIN = 1e-9


def largest_remainder(
    shares: Sequence[float],
    floors: Sequence[int],
    total: int,
    ranks: Sequence[int],
    may_grow: Sequence[bool],
) -> list[int]:
    """Integers q with sum(q) == total and q[i] >= floors[i] (given sum(floors) <= total).

    Only channels with may_grow[i] receive units above their rounded-down share, unless none
    may; ranks order equal remainders (lower rank first)."""
    qty = [max(f, math.floor(s + _WHOLE_TOLERANCE)) for s, f in zip(shares, floors, strict=True)]
    remainder = [s - q for s, q in zip(shares, qty, strict=True)]
    growers = [i for i in range(len(qty)) if may_grow[i]] or list(range(len(qty)))
    growers.sort(key=lambda i: (-remainder[i], ranks[i], i))
    missing = total - sum(qty)
    for step in range(max(missing, 0)):
        qty[growers[step % len(growers)]] += 1
    while missing < 0:
        above = [i for i in range(len(qty)) if qty[i] > floors[i]]
        cut = min(above, key=lambda i: (remainder[i], -ranks[i], -i))
        qty[cut] -= 1
        remainder[cut] += 1.0
        missing += 1
    return qty


def trade_units(
    qty: np.ndarray,
    floor: Floats,
    owner: np.ndarray,
    movable: np.ndarray,
    next_unit: Callable[[np.ndarray, Floats], Floats],
    max_rounds: int = 10_000,
) -> np.ndarray:
    """Whole-unit split of every SKU at once, improved by single-unit moves within each SKU.

    owner[r] is the SKU of row r, movable[r] whether row r may gain or lose units, and
    next_unit(rows, q) the objective weight of unit q + 1 of each of those rows. Each round makes
    the best move in every SKU where one pays; a SKU where none does is finished, as SKUs do not
    interact. Stops when all are finished (or after max_rounds)."""
    qty = qty.copy()
    rows = np.flatnonzero(movable)
    for _ in range(max_rounds):
        if len(rows) == 0:
            break
        held = qty[rows].astype(float)
        gain = next_unit(rows, held)
        loss = np.where(held > floor[rows], next_unit(rows, held - 1.0), np.inf)
        taker = _first_per_owner(owner[rows], -gain)
        giver = _first_per_owner(owner[rows], loss)
        pays = gain[taker] - loss[giver] > _MIN_TRADE_GAIN
        qty[rows[taker[pays]]] += 1
        qty[rows[giver[pays]]] -= 1
        rows = rows[np.isin(owner[rows], owner[rows[taker[pays]]])]
    return qty


def _first_per_owner(owner: np.ndarray, key: Floats) -> np.ndarray:
    """Per owner (in ascending order), the position of its row with the least key."""
    order = np.lexsort((key, owner))
    _, first = np.unique(owner[order], return_index=True)
    return order[first]
