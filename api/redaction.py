"""What a role may not read is blanked, not dropped: every reply keeps one shape."""

from __future__ import annotations

from typing import Any

from erp_core.domain.access import Permission, Principal

COST_FIELDS = ("unit_cost", "average_cost")


def redact(record: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """Cost and margin stay hidden from roles that may not read them."""
    if principal.may(Permission.COST_READ):
        return record
    return {**record, **{field: None for field in COST_FIELDS if field in record}}
