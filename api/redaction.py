"""What a role may not read is blanked, not dropped: every reply keeps one shape."""

from __future__ import annotations

from typing import Any

from erp_core.domain.access import Permission, Principal

COST_FIELDS = frozenset(
    {"unit_cost", "average_cost", "freight", "duty", "landed_unit_cost", "total_value"}
)


def redact(record: Any, principal: Principal, fields: frozenset[str] = COST_FIELDS) -> Any:
    """Cost and margin (`fields`) stay hidden from roles that may not read them, at any depth
    of a record (a purchase order's lines and receipts carry them too)."""
    if principal.may(Permission.COST_READ):
        return record
    return _blanked(record, fields)


def _blanked(record: Any, fields: frozenset[str]) -> Any:
    if isinstance(record, dict):
        return {k: None if k in fields else _blanked(v, fields) for k, v in record.items()}
    if isinstance(record, list):
        return [_blanked(v, fields) for v in record]
    return record
