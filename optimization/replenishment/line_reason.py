"""The sentence a plan line gives for its quantity, e.g.

position 12 is at or below the reorder point 30.0 (demand over 14 days 21.0 + safety stock
9.0, normal, 97% cycle service; lead time 7 days from receipts, review 7 days); ordering 36
(rounded up to pack 12) brings cover from 8.0 to 32.0 days
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optimization.replenishment.protection_demand import method_label

if TYPE_CHECKING:
    from optimization.replenishment.policy_line import LineSuggestion, SkuPosition

SERVICE_WORDS = {"cycle": "cycle service", "fill_rate": "fill rate"}
SOURCE_WORDS = {"receipts": "from receipts", "supplier_item": "from the supplier's default"}


def explain(s: LineSuggestion, line: SkuPosition) -> str:
    """Why the line orders what it orders, in one sentence."""
    head = f"position {s.position} is {_compared(s)} the reorder point {s.reorder_point:.1f}"
    basis = f"({_basis(s, line)})"
    if s.qty > 0:
        rounding = "" if s.rounding == "none" else f" ({s.rounding})"
        return (
            f"{head} {basis}; ordering {s.qty}{rounding} brings cover from "
            f"{s.cover_days_before:.1f} to {s.cover_days_after:.1f} days"
        )
    if s.position <= s.reorder_point:
        return f"{head} {basis} but already at the order-up-to level {s.order_up_to:.1f}; no order"
    return f"{head} {basis}; no order needed, cover {s.cover_days_before:.1f} days"


def _compared(s: LineSuggestion) -> str:
    return "at or below" if s.position <= s.reorder_point else "above"


def _basis(s: LineSuggestion, line: SkuPosition) -> str:
    service = f"{line.service_level * 100:g}% {SERVICE_WORDS[line.service_type]}"
    source = SOURCE_WORDS.get(line.lead_time_source, f"from {line.lead_time_source}")
    return (
        f"demand over {s.protection_days:g} days {s.demand_over_protection:.1f} + safety stock "
        f"{s.safety_stock:.1f}, {method_label(s.distribution)}, {service}; lead time "
        f"{line.lead_time_mean:g} days {source}, review {line.review_period} days"
    )
