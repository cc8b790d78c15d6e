"""The web dashboard: the executive view with the exception queues, a page per SKU, and the
login form that lets a browser carry an API key (see api/dashboard/access.py). Pages are
HTML, not part of the API's schema; every figure on them comes from the same queries as the
API, computed in-process."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.dashboard.access import PREFIX, Viewer, principal_of_key, remember_key, safe_next
from api.dashboard.charts import Bar, bar_chart
from api.dashboard.executive import kpi_cards, visible_kpis
from api.dashboard.queues import exception_queues
from api.dashboard.rendering import PageRoute, page
from api.dashboard.sku_charts import demand_chart, projection_chart
from api.dashboard.sku_view import sku_view
from api.deps import Db
from erp_core.adapters.database import Database
from erp_core.clock import utcnow
from erp_core.domain.access import Permission
from erp_core.domain.errors import NotAuthenticated
from erp_core.queries.kpi_catalog import kpi_range, kpis_of
from erp_core.queries.kpi_frame import View

router = APIRouter(
    prefix=PREFIX,
    tags=["dashboard"],
    route_class=PageRoute,
    include_in_schema=False,
    default_response_class=HTMLResponse,
)
Sku = Annotated[str, Path(min_length=1, max_length=64)]
Day = Annotated[date | None, Query()]
MAX_LOGIN_FORM = 4096  # bytes: a key and a page address


@router.get("")
def executive(request: Request, db: Db, who: Viewer, start: Day = None, end: Day = None) -> Any:
    start, end = kpi_range(start, end, utcnow().date())
    kpis = visible_kpis(View.EXECUTIVE, who)
    cards, queues = db.read(lambda s: (kpi_cards(s, kpis, start, end), exception_queues(s)))
    bars = [
        Bar(q.name, q.count, {"data-kpi": "queues", "data-column": "open", "data-group": q.name})
        for q in queues
    ]
    context = {
        "who": who,
        "start": start,
        "end": end,
        "cards": cards,
        "hidden": len(kpis_of(View.EXECUTIVE)) - len(kpis),
        "queues": queues,
        "queue_chart": bar_chart(bars, "Open items per exception queue"),
    }
    return page(request, "executive.html", context)


@router.get("/skus")
def find_sku(who: Viewer, sku: Annotated[str, Query(min_length=1, max_length=64)]) -> Any:
    """Where the SKU box in the header sends the browser."""
    return RedirectResponse(f"{PREFIX}/skus/{quote(sku.strip(), safe='')}", status_code=303)


@router.get("/skus/{sku}")
def sku_page(request: Request, sku: Sku, db: Db, who: Viewer, on: Day = None) -> Any:
    view = sku_view(db, sku, on or utcnow().date(), who)
    context = {
        "who": who,
        "view": view,
        "demand_chart": demand_chart(view),
        "projection_chart": projection_chart(view),
        "may_forecast": who.may(Permission.FORECASTS_READ),
        "may_plan": who.may(Permission.PLANS_READ),
    }
    return page(request, "sku.html", context)


@router.get("/login")
def login_form(
    request: Request, target: Annotated[str | None, Query(alias="next", max_length=500)] = None
) -> Any:
    return page(request, "login.html", {"next": safe_next(target), "error": None})


async def form_fields(request: Request) -> dict[str, str]:
    """The login form's fields (application/x-www-form-urlencoded), first value of each."""
    body = (await request.body())[:MAX_LOGIN_FORM].decode("utf-8", errors="replace")
    return {name: values[0] for name, values in parse_qs(body).items()}


@router.post("/login")
def login(
    request: Request, db: Db, fields: Annotated[dict[str, str], Depends(form_fields)]
) -> Response:
    """Checks the key as the API does and keeps it in the dashboard's cookie."""
    key, target = fields.get("key", "").strip(), safe_next(fields.get("next"))
    if not _accepted(request, db, key):
        context = {"next": target, "error": "That API key was not accepted."}
        return page(request, "login.html", context, status_code=401)
    response = RedirectResponse(target, status_code=303)
    remember_key(response, request, key)
    return response


def _accepted(request: Request, db: Database, key: str) -> bool:
    if not key:
        return False
    try:
        principal_of_key(request, db, key)
    except NotAuthenticated:
        return False
    return True
