"""What a role may not read is blanked, not dropped: every reply keeps one shape."""

from __future__ import annotations

from typing import Any

from erp_core.domain.access import Permission, Principal

COST_FIELDS = frozenset(
    {"unit_cost", "average_cost", "freight", "duty", "landed_unit_cost", "total_value"}
)


def redact(record: Any, principal: Principal) -> Any:
    """Cost and margin stay hidden from roles that may not read them, at any depth of a
    record (a purchase order's lines and receipts carry them too)."""
    if principal.may(Permission.COST_READ):
        return record
    return _blanked(record)


def _blanked(record: Any) -> Any:
    if isinstance(record, dict):
        return {k: None if k in COST_FIELDS else _blanked(v) for k, v in record.items()}
    if isinstance(record, list):
        return [_blanked(v) for v in record]
    return record
