"""Cycle counts and adjustment approvals: when a count is within tolerance, and when a
correction is large enough that a second person must approve it before stock moves."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from erp_core.domain.errors import IllegalTransition, PermissionDenied


class SheetStatus(StrEnum):
    OPEN = "open"
    POSTED = "posted"


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AlreadyCounted(IllegalTransition):
    code = "already_counted"


class SelfApproval(PermissionDenied):
    code = "self_approval"


COUNT_VARIANCE = "count_variance"


@dataclass(frozen=True)
class Tolerance:
    """A count is accurate when it misses the expected quantity by at most `units`, or by at
    most `percent` of the expected quantity, whichever allows more."""

    units: int = 0
    percent: Decimal = Decimal(0)

    def within(self, expected: int, counted: int) -> bool:
        miss = abs(counted - expected)
        return miss <= self.units or miss <= abs(expected) * self.percent / 100


@dataclass(frozen=True)
class ApprovalThreshold:
    """Corrections above either limit wait for approval; None switches a limit off."""

    units: int | None
    value: Decimal | None

    def needs_approval(self, delta: int, unit_cost: Decimal) -> bool:
        if self.units is not None and abs(delta) > self.units:
            return True
        return self.value is not None and abs(delta) * unit_cost > self.value


def check_pending(request_id: int, state: RequestState) -> None:
    if state != RequestState.PENDING:
        raise IllegalTransition(
            f"adjustment request {request_id} is already {state.value}",
            request=request_id,
            state=state.value,
        )


def check_approver(request_id: int, requested_by: str, approver: str) -> None:
    if requested_by == approver:
        raise SelfApproval(
            "an adjustment is approved by someone other than who asked for it",
            request=request_id,
        )


def check_sheet_open(sheet_id: int, status: SheetStatus) -> None:
    if status != SheetStatus.OPEN:
        raise IllegalTransition(
            f"count sheet {sheet_id} is already {status.value}", sheet=sheet_id, status=status.value
        )
