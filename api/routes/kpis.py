"""KPIs: the catalog, one KPI over a date range (grouped when asked), a whole view at once;
each as JSON or as a CSV download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.deps import Db, require
from api.schemas.kpis import Format, KpiListed, KpiParams, KpiResult, RangeParams, ViewResult
from erp_core.clock import utcnow
from erp_core.domain.access import Permission, Principal
from erp_core.domain.errors import PermissionDenied
from erp_core.queries.kpi_catalog import KPIS, kpi_named, kpi_query, kpi_range, kpis_of, view_named
from erp_core.queries.kpi_frame import Kpi, KpiQuery

router = APIRouter(prefix="/v1/kpis", tags=["kpis"])
Reader = Annotated[Principal, Depends(require(Permission.KPIS_READ))]
Slug = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.get("", response_model=list[KpiListed], summary="Every KPI: its view, name and definition")
def get_catalog(_: Reader) -> Any:
    return [
        {
            "view": kpi.view.value,
            "name": kpi.name,
            "title": kpi.title,
            "description": kpi.description,
            "columns": list(kpi.columns),
            "groupings": sorted(g.value for g in kpi.groupings),
            "needs_cost": kpi.needs_cost,
        }
        for kpi in KPIS
    ]


@router.get(
    "/{view}",
    response_model=ViewResult,
    responses=_CSV,
    summary="Every KPI of a view over one date range; KPIs built from cost only for roles "
    "that may read cost. CSV in long form: kpi, group, figure, value",
)
def get_view(
    view: Slug, query: Annotated[RangeParams, Query()], request: Request, db: Db, who: Reader
) -> Any:
    shown = view_named(view)
    start, end = kpi_range(query.start, query.end, utcnow().date())
    kpis = [k for k in kpis_of(shown) if not k.needs_cost or who.may(Permission.COST_READ)]
    asked = KpiQuery(start, end)
    results = db.read(lambda s: [_result(k, asked, k.compute(s, asked)) for k in kpis])
    if _wants_csv(query.format, request):
        long_rows = (
            [r["name"], row["group"], column, row[column]]
            for r in results
            for row in r["rows"]
            for column in r["columns"]
        )
        return _csv(("kpi", "group", "figure", "value"), long_rows, f"{shown}-{start}-{end}.csv")
    return {"view": shown.value, "start": start, "end": end, "kpis": results}


@router.get(
    "/{view}/{name}",
    response_model=KpiResult,
    responses=_CSV,
    summary="One KPI over a date range (default the last 30 days), optionally grouped by "
    "channel, location or category; CSV with format=csv or Accept: text/csv",
)
def get_kpi(
    view: Slug,
    name: Slug,
    query: Annotated[KpiParams, Query()],
    request: Request,
    db: Db,
    who: Reader,
) -> Any:
    kpi = kpi_named(view_named(view), name)
    if kpi.needs_cost and not who.may(Permission.COST_READ):
        raise PermissionDenied(
            f"{kpi.name} is built from cost; role {who.role.value} may not read cost",
            role=who.role.value,
            permission=Permission.COST_READ.value,
        )
    start, end = kpi_range(query.start, query.end, utcnow().date())
    asked = kpi_query(kpi, start, end, query.group_by)
    result = _result(kpi, asked, db.read(lambda s: kpi.compute(s, asked)))
    if _wants_csv(query.format, request):
        rows = ([row["group"], *(row[c] for c in kpi.columns)] for row in result["rows"])
        filename = f"{kpi.view}-{kpi.name}-{start}-{end}.csv"
        return _csv(("group", *kpi.columns), rows, filename)
    return result


def _result(kpi: Kpi, asked: KpiQuery, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "view": kpi.view.value,
        "name": kpi.name,
        "title": kpi.title,
        "start": asked.start,
        "end": asked.end,
        "group_by": asked.group_by.value if asked.group_by else None,
        "columns": list(kpi.columns),
        "rows": rows,
    }


def _wants_csv(asked: Format | None, request: Request) -> bool:
    if asked is not None:
        return asked == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value: Any) -> str:
    """Empty for an undefined figure; money as its decimal text (to the cent)."""
    return "" if value is None else str(value)
