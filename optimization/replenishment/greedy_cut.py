"""A quick plan within every limit for when CP-SAT has none yet: greedy steps up from the
smallest quantities, best loss saved per share of the limits first.

The classic greedy for the multiple-choice knapsack (Sinha & Zoltners, "The multiple-choice
knapsack problem", Operations Research 27(3), 1979; Kellerer, Pferschy & Pisinger, "Knapsack
Problems", 2004, 11.2), with several limits weighed by the share of each a step uses.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from optimization.replenishment.limits import Candidate, Key, Limits, usage


def greedy_cut(lines: Sequence[Candidate], limits: Limits) -> dict[Key, int]:
    """Steps from each line's k-1-th to k-th smallest option, taken in order of
    (loss_k-1 - loss_k) / sum_r rate_r (q_k - q_k-1) / cap_r while they fit, the sum over the
    limits r weighed: first those the suggestions would exceed (the others never stop a step),
    then again over those that stopped a step, until that set settles; the plan of least loss
    is kept. Assumes the smallest quantities fit; ties keep the input order."""
    caps = limits.capacities()
    wanted = usage(lines, {line.key: line.suggested for line in lines}, limits)
    weighed = {name for name, cap in caps.items() if wanted[name] > cap}
    best: dict[Key, int] = {}
    least = math.inf
    for _ in range(len(caps) + 1):
        chosen, stopped_by = _climb(
            lines, limits, {name: 1 / max(caps[name], 1) for name in weighed}
        )
        if (loss := sum(line.loss(chosen[line.key]) for line in lines)) < least:
            best, least = chosen, loss
        if stopped_by in (weighed, set()):
            break
        weighed = stopped_by
    return best


def _climb(
    lines: Sequence[Candidate], limits: Limits, weights: dict[str, float]
) -> tuple[dict[Key, int], set[str]]:
    """The greedy for these limit weights, and the limits that stopped a step. A step is
    taken only from the option before it, so no line skips a quantity it could not afford."""
    levels = {line.key: sorted(line.options) for line in lines}
    chosen = {line.key: levels[line.key][0][0] for line in lines}
    used, caps = usage(lines, chosen, limits), limits.capacities()
    stopped_by: set[str] = set()
    steps = sorted(
        (step for line in lines for step in _steps(line, levels[line.key], limits, weights)),
        key=lambda step: -step[0],
    )
    for _, line, qty_from, qty_to in steps:
        if chosen[line.key] != qty_from:
            continue
        extra = [(name, rate * (qty_to - qty_from)) for name, rate in limits.draw_rates(line)]
        over = {name for name, amount in extra if used[name] + amount > caps[name]}
        stopped_by |= over
        if not over:
            for name, amount in extra:
                used[name] += amount
            chosen[line.key] = qty_to
    return chosen, stopped_by


def _steps(
    line: Candidate, levels: list[tuple[int, int]], limits: Limits, weights: dict[str, float]
) -> list[tuple[float, Candidate, int, int]]:
    """(loss saved per share of the limits, line, from qty, to qty) for each step up that
    saves loss; steps that do not are left to `limits.top_up`."""
    found = []
    for (qty_from, loss_from), (qty_to, loss_to) in itertools.pairwise(levels):
        saved = loss_from - loss_to
        share = sum(
            rate * (qty_to - qty_from) * weights.get(name, 0.0)
            for name, rate in limits.draw_rates(line)
        )
        if saved > 0:
            found.append((saved / share if share else math.inf, line, qty_from, qty_to))
    return found
