"""The dashboard's pages through the app without a browser: logging in keeps the key in a
strict HttpOnly cookie, pages without it send the browser to the login form, a wrong key or
role is refused, and the figures on the pages are the API's (tests/browser checks the same in
Chromium)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.dashboard.charts import Bar, bar_chart, nice_ticks
from erp_core.adapters.database import Database
from erp_core.clock import replaying_at
from erp_core.domain.access import Role
from erp_core.domain.orders import PaymentStatus
from erp_core.domain.stock import StockStatus
from erp_core.services import inventory as inv
from erp_core.services import master_data as md
from erp_core.services import orders as capture
from erp_core.services.order_commands import LineCommand, OrderCommand
from pipelines.replenishment_plan import PlanAsk, create_plan
from tests.conftest import KeyFor
from tests.factories import ACTOR, stocked
from tests.kpi_shop import ADDRESS, D, open_shop
from tests.plan_company import PLANNING_DATE, plan_company

RANGE = "start=2026-10-01&end=2026-10-10"
Figures = dict[tuple[str, str, str], tuple[str, str]]


class FigureReader(HTMLParser):
    """Every element with data-kpi: (kpi, column, group) -> (text shown, data-value)."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: Figures = {}
        self._open: tuple[str, str, str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-kpi" in found and tag == "td":
            key = (found["data-kpi"], found["data-column"], found["data-group"])
            self._open = (*(k or "" for k in key), found.get("data-value") or "")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open:
            kpi, column, group, value = self._open
            self.figures[(kpi, column, group)] = ("".join(self._text).strip(), value)
            self._open = None


def figures(html: str) -> Figures:
    reader = FigureReader()
    reader.feed(html)
    return reader.figures


def log_in(client: TestClient, headers: dict[str, str], target: str = "/dashboard") -> Any:
    form = {"key": headers["X-API-Key"], "next": target}
    return client.post("/dashboard/login", data=form, follow_redirects=False)


def test_logging_in_keeps_the_key_in_a_strict_http_only_cookie_and_opens_the_page_asked_for(
    app_client: TestClient, key_for: KeyFor
) -> None:
    planner = key_for(Role.PLANNER)
    reply = log_in(app_client, planner, "/dashboard/skus/A")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/dashboard/skus/A"
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(f"keel_dashboard_key={planner['X-API-Key']};")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path=/dashboard", "samesite=strict"} <= attributes
    page = app_client.get("/dashboard")
    assert page.status_code == 200 and "Executive view" in page.text


def test_a_page_without_the_cookie_sends_the_browser_to_the_login_form_and_back(
    app_client: TestClient, key_for: KeyFor
) -> None:
    reply = app_client.get("/dashboard/skus/A?on=2026-10-10", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == (
        "/dashboard/login?next=%2Fdashboard%2Fskus%2FA%3Fon%3D2026-10-10"
    )
    form = app_client.get(reply.headers["location"])
    assert form.status_code == 200
    assert 'name="next" value="/dashboard/skus/A?on=2026-10-10"' in form.text


def test_a_wrong_key_is_refused_with_the_form_again_and_no_cookie(
    app_client: TestClient,
) -> None:
    reply = log_in(app_client, {"X-API-Key": "keel_nothere_secret"})
    assert reply.status_code == 401
    assert "not accepted" in reply.text and "set-cookie" not in reply.headers
    app_client.cookies.set("keel_dashboard_key", "garbage", path="/dashboard")
    page = app_client.get("/dashboard", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (
        303,
        "/dashboard/login?next=%2Fdashboard",
    )


def test_logging_in_never_redirects_off_the_dashboard(
    app_client: TestClient, key_for: KeyFor
) -> None:
    for target in ("//evil.example/x", "https://evil.example", "/v1/items"):
        reply = log_in(app_client, key_for(Role.PLANNER), target)
        assert (reply.status_code, reply.headers["location"]) == (303, "/dashboard")


def test_an_unknown_sku_is_a_404_page(app_client: TestClient, key_for: KeyFor) -> None:
    log_in(app_client, key_for(Role.PLANNER))
    reply = app_client.get("/dashboard/skus/NOPE")
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("text/html")
    assert "item 'NOPE' not found" in html.unescape(reply.text)


def test_a_role_without_kpis_read_gets_a_403_page(app_client: TestClient, key_for: KeyFor) -> None:
    log_in(app_client, key_for(Role.WAREHOUSE))
    for path in ("/dashboard", "/dashboard/skus/A"):
        reply = app_client.get(path)
        assert reply.status_code == 403, path
        assert "role warehouse may not do kpis:read" in reply.text


def test_a_range_the_kpi_api_refuses_is_a_422_page(app_client: TestClient, key_for: KeyFor) -> None:
    log_in(app_client, key_for(Role.PLANNER))
    reply = app_client.get("/dashboard?start=2026-10-10&end=2026-10-01")
    assert reply.status_code == 422 and "start must not be after end" in reply.text


def test_the_executive_page_shows_the_kpi_apis_figures_and_hides_cost_without_cost_read(
    db: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    open_shop(db)
    for role, cost_kpis in ((Role.FINANCE, 2), (Role.OPERATIONS, 0)):
        headers = key_for(role)
        log_in(app_client, headers)
        shown = figures(app_client.get(f"/dashboard?{RANGE}").text)
        api = app_client.get(f"/v1/kpis/executive?{RANGE}", headers=headers).json()
        expected = {
            (k["name"], column, row["group"]): "–" if row[column] is None else str(row[column])
            for k in api["kpis"]
            for row in k["rows"]
            for column in k["columns"]
        }
        assert {key: text for key, (text, _) in shown.items() if key[0] != "queues"} == expected
        cost = {key[0] for key in shown} & {"inventory_turns", "cash_in_inventory"}
        assert len(cost) == cost_kpis
    # kpi_shop's shipments: O1 and O3 from DC-1 on time, O2 from DC-2 a day late: 2 / 3.
    assert shown[("on_time_shipment", "on_time_rate", "all")] == ("0.6667", "0.6667")


def test_the_margin_chart_draws_the_margin_per_channel(
    db: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    open_shop(db)
    log_in(app_client, key_for(Role.FINANCE))
    page = app_client.get(f"/dashboard?{RANGE}").text
    # tests/integration/test_kpis_executive.py: AMZ margin 25.68 on net sales 74.00 = 34.70%.
    assert (
        'data-kpi="gross_margin" data-column="margin_pct" data-group="AMZ" '
        'data-group-by="channel" data-value="34.7"'
    ) in page


def test_the_sku_page_shows_history_forecast_and_projection(
    db: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    open_shop(db)
    log_in(app_client, key_for(Role.PLANNER))
    reply = app_client.get("/dashboard/skus/A?on=2026-10-10")
    assert reply.status_code == 200, reply.text
    shown = figures(reply.text)
    history = {g: int(v) for (k, _, g), (_, v) in shown.items() if k == "demand_history"}
    # 56 days before 10-10; O1 ordered 3 A on 10-01, O3 4 on 10-03, O5 was cancelled.
    assert len(history) == 56 and min(history) == "2026-08-15"
    assert {day: units for day, units in history.items() if units} == {
        "2026-10-01": 3,
        "2026-10-03": 4,
    }
    # The forecast from 10-10: 0.5 a day for 7 days (the stale 10-09 day is before the page's).
    means = {g: v for (k, c, g), (_, v) in shown.items() if k == "forecast" and c == "mean"}
    assert means == {f"2026-10-{d}": "0.5" for d in range(10, 17)}
    # A at DC-1: 10 received - 3 (O1) - 4 (O3) + 1 restocked = 4 free, 2 of O3 still reserved.
    stock = {c: v for (k, c, _), (_, v) in shown.items() if k == "stock"}
    assert stock == {
        "available": "4",
        "reserved": "2",
        "backorders": "0",
        "net_stock": "4",
        "daily_demand": "0.5",
    }
    # Net stock 4 - 0.5 a day: 0.5 left on day 7, nothing on order, position = net stock.
    net = {
        int(g): float(v)
        for (k, c, g), (_, v) in shown.items()
        if (k, c) == ("projection", "net_stock")
    }
    assert net == {day: 4 - 0.5 * day for day in range(8)}
    assert 'id="no-plan"' in reply.text


def test_the_sku_page_hides_forecasts_and_plans_from_roles_the_api_refuses_them(
    db: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    open_shop(db)
    log_in(app_client, key_for(Role.FINANCE))  # kpis:read and plans:read, not forecasts:read
    page = app_client.get("/dashboard/skus/A?on=2026-10-10").text
    shown = {kpi for kpi, _, _ in figures(page)}
    assert 'id="forecast-hidden"' in page and 'id="no-projection"' in page
    assert {"forecast", "projection"}.isdisjoint(shown) and "demand_history" in shown
    log_in(app_client, key_for(Role.OPERATIONS))  # forecasts:read, not plans:read
    page = app_client.get("/dashboard/skus/A?on=2026-10-10").text
    assert 'id="plan-hidden"' in page and "forecast" in {kpi for kpi, _, _ in figures(page)}


def test_the_queues_count_open_work_and_its_age(
    db: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    stocked(db, 10)
    md.create_record(db, ACTOR, md.CHANNELS, {"code": "WEB", "name": "Web", "kind": "web_store"})
    now = datetime.now(UTC)
    for hours, delta in ((6, 1500), (2, 1200)):  # above the 1,000-unit approval threshold
        with replaying_at(now - timedelta(hours=hours)):
            command = inv.AdjustCommand(
                "SKU-1", "DC-1", StockStatus.AVAILABLE, "found", delta=delta
            )
            assert isinstance(inv.adjust_stock(db, ACTOR, command), inv.PendingAdjustment)
    with replaying_at(now - timedelta(hours=3)):
        order = OrderCommand(
            channel="WEB",
            external_id="P1",
            lines=(LineCommand("SKU-1", 1, D("10")),),
            ship_to=ADDRESS,
            shipping_method="standard",
            payment_status=PaymentStatus.PENDING,
        )
        capture.capture_order(db, ACTOR, order, lambda _, order_id: {"id": order_id})
    log_in(app_client, key_for(Role.OPERATIONS))
    shown = figures(app_client.get("/dashboard").text)
    queues = {(c, g): text for (k, c, g), (text, _) in shown.items() if k == "queues"}
    # Requests 6 h and 2 h old: the oldest 6.0 h, the median (6 + 2) / 2 = 4.0 h.
    assert [queues[(c, "adjustments")] for c in ("open", "oldest_hours", "median_hours")] == [
        "2",
        "6.0",
        "4.0",
    ]
    # The order waiting for payment: one hold, 3 h old.
    assert [queues[(c, "holds")] for c in ("open", "oldest_hours", "median_hours")] == [
        "1",
        "3.0",
        "3.0",
    ]
    for name in ("anomalies", "refunds", "settlements", "replenishment"):
        assert [queues[(c, name)] for c in ("open", "oldest_hours")] == ["0", "–"], name


def test_plan_lines_needing_a_planner_are_queued_from_the_newest_proposed_plan(
    db: Database, app_client: TestClient, key_for: KeyFor
) -> None:
    plan_company(db)
    with replaying_at(datetime.now(UTC) - timedelta(hours=5)):
        plan_id = create_plan(db, ACTOR, PlanAsk(planning_date=PLANNING_DATE))
    log_in(app_client, key_for(Role.PLANNER))
    page = app_client.get("/dashboard").text
    queued = {c: text for (k, c, g), (text, _) in figures(page).items() if g == "replenishment"}
    # C has no supplier and D no forecast: 2 lines cannot be planned; A and B are planned
    # without limits and with a stockout risk under 50%. The plan was proposed 5 hours ago.
    assert queued == {"open": "2", "oldest_hours": "5.0", "median_hours": "5.0"}
    assert f'href="/v1/replenishment/plans/{plan_id}/lines"' in page


def test_bars_rise_from_zero_in_proportion_to_their_values() -> None:
    assert nice_ticks(0, 7) == [0, 2, 4, 6, 8]
    svg = str(bar_chart([Bar("a", 2, {"data-kpi": "k"}), Bar("b", 8), Bar("c", None)]))
    # Ticks 0..8 over a 160-pixel plot (230 - 12 - 58): 2 is 40 px high, 8 the full 160.
    assert 'data-kpi="k" x=' in svg and 'height="40.0"' in svg and 'height="160.0"' in svg
    assert svg.count("<rect") == 2 and ">–</text>" in svg


@pytest.mark.parametrize("values", [[0.0, 0.0], [-3.0, 5.0]])
def test_ticks_cover_the_values_with_zero_among_them(values: list[float]) -> None:
    ticks = nice_ticks(min(0.0, *values), max(0.0, *values))
    assert ticks[0] <= min(values) and ticks[-1] >= max(values) and 0 in ticks
