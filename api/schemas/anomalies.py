"""Anomaly flags, their resolution, scans, and scoring an order without capturing it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Input, PageParams
from erp_core.domain.anomalies import FlagKind, FlagStatus


class FlagParams(PageParams):
    kind: FlagKind | None = None
    status: FlagStatus | None = Field(
        default=FlagStatus.OPEN, description="open (default), confirmed or dismissed"
    )


class FlagPublic(BaseModel):
    id: int
    kind: FlagKind
    subject: str
    score: float
    reasons: list[str]
    details: dict[str, Any]
    status: FlagStatus
    order_id: int | None
    return_id: int | None
    customer: str | None
    sku: str | None
    location: str | None
    day: date | None
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    comment: str | None


class FlagResolution(Input):
    action: Literal["confirm", "dismiss"] = Field(
        description="confirm: a real anomaly; dismiss: a false alarm (a dismissed demand day "
        "counts as real demand again in forecast training)"
    )
    comment: Annotated[str, Field(min_length=1, max_length=1000)]


class ScanRequest(Input):
    kinds: Annotated[list[Literal["returns", "demand"]], Field(min_length=1, max_length=2)] = [
        "returns",
        "demand",
    ]


class ScanPublic(BaseModel):
    counts: dict[str, dict[str, int]] = Field(description="flags raised, per scan and kind")


class VerdictPublic(BaseModel):
    score: float = Field(description="0-1, higher is stranger")
    threshold: float = Field(description="the score the order would be held at")
    hold: bool
    reasons: list[str]
    features: dict[str, float | None]
    scored_by: str = Field(description="model, or rules when no model could score (see note)")
    degraded: bool = Field(description="true when the rules scored alone (RELIABILITY 15)")
    model_version: str | None
    note: str | None
