"""KPI requests and replies: the catalog, one KPI's rows, and a whole view."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Input
from erp_core.queries.kpi_frame import Grouping

Format = Literal["json", "csv"]


class KpiListed(BaseModel):
    view: str
    name: str
    title: str
    description: str
    columns: list[str] = Field(description="The figures of each row, in CSV order after group.")
    groupings: list[str] = Field(description="What group_by may name for this KPI.")
    needs_cost: bool = Field(description="Shown only to roles that may read cost.")


class RangeParams(Input):
    start: date | None = Field(default=None, description="First day (UTC); default end - 29.")
    end: date | None = Field(default=None, description="Last day, included; default today.")
    format: Format | None = Field(
        default=None, description="json or csv; without it, Accept: text/csv asks for CSV."
    )


class KpiParams(RangeParams):
    group_by: Grouping | None = None


class KpiResult(BaseModel):
    view: str
    name: str
    title: str
    start: date
    end: date
    group_by: str | None
    columns: list[str]
    rows: list[dict[str, Any]] = Field(
        description='One row per group ("all" without group_by): {"group", figures...}; '
        "money as decimal strings, null where a figure is undefined."
    )


class ViewResult(BaseModel):
    view: str
    start: date
    end: date
    kpis: list[KpiResult]
