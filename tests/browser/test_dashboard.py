"""The dashboard in headless Chromium against the real app under uvicorn: log in through the
form, read the figures the pages show and compare them with the API's, and keep screenshots
(dashboard.png, sku.png in $KEEL_ARTIFACTS_DIR, default ./artifacts) as CI artifacts."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from erp_core.adapters.database import Database
from erp_core.domain.access import Role
from erp_core.services import api_keys
from pipelines.replenishment_plan import PlanAsk, create_plan
from tests.factories import ACTOR
from tests.kpi_shop import open_shop
from tests.live_server import serving
from tests.plan_company import PLANNING_DATE, plan_company

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMEDRIVER.exists(),
        reason="/usr/bin/chromedriver is missing: .ci/run installs chromium and chromium-driver",
    ),
]
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--window-size=1400,1000",
)
RANGE = "start=2026-10-01&end=2026-10-10"
# Every figure on a page: (kpi, column, group) -> (text shown, data-value), read in one call.
READ_FIGURES = """
return Array.from(document.querySelectorAll('[data-kpi]')).map(e => [
  e.dataset.kpi, e.dataset.column, e.dataset.group, e.textContent.trim(), e.dataset.value,
  e.tagName.toLowerCase()]);
"""
Figures = dict[tuple[str, str, str], tuple[str, str]]


@pytest.fixture
def live_app(db: Database) -> Iterator[str]:
    with serving(db) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def admin_key(db: Database) -> str:
    return api_keys.create_key(db, ACTOR, "browser", Role.ADMIN)[1]


def log_in(browser: WebDriver, base: str, key: str, page: str) -> None:
    """Open a page, get sent to the login form, log in and land on the page."""
    browser.get(base + page)
    assert browser.current_url.startswith(f"{base}/dashboard/login?next=")
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.ID, "login").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_to_be(base + page))
    cookie = browser.get_cookie("keel_dashboard_key")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def figures(browser: WebDriver, tag: str = "td") -> Figures:
    return {
        (kpi, column, group): (text, value)
        for kpi, column, group, text, value, found in browser.execute_script(READ_FIGURES)
        if found == tag
    }


def screenshot(browser: WebDriver, name: str) -> None:
    """The whole page, also what lies below the window (Chrome's DevTools protocol)."""
    folder = Path(os.environ.get("KEEL_ARTIFACTS_DIR", "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    (folder / name).write_bytes(png)


def shown_as(value: Any) -> str:
    return "–" if value is None else str(value)


def test_the_executive_page_shows_the_kpi_apis_figures(
    db: Database, live_app: str, browser: WebDriver
) -> None:
    open_shop(db)
    key = admin_key(db)
    log_in(browser, live_app, key, f"/dashboard?{RANGE}")
    shown = figures(browser)
    with httpx.Client(base_url=live_app, headers={"X-API-Key": key}) as api:
        view = api.get(f"/v1/kpis/executive?{RANGE}").json()
        margin = api.get(f"/v1/kpis/executive/gross_margin?{RANGE}&group_by=channel").json()
    expected = {
        (kpi["name"], column, row["group"]): shown_as(row[column])
        for kpi in view["kpis"]
        for row in kpi["rows"]
        for column in kpi["columns"]
    }
    assert len(expected) > 30
    assert {k: text for k, (text, _) in shown.items() if k[0] != "queues"} == expected
    # kpi_shop: O1 and O3 shipped from DC-1 on time, O2 from DC-2 a day late: 2 / 3.
    assert shown[("on_time_shipment", "on_time_rate", "all")][0] == "0.6667"
    # The margin chart's bars carry the grouped KPI's figures: AMZ 25.68 of 74.00 = 34.70%.
    bars = figures(browser, "rect")
    assert {g: v for (k, _, g), (_, v) in bars.items() if k == "gross_margin"} == {
        row["group"]: str(row["margin_pct"]) for row in margin["rows"]
    }
    assert bars[("gross_margin", "margin_pct", "AMZ")][1] == "34.7"
    # O4 waits unreleased without a hold: every queue is empty.
    assert shown[("queues", "open", "holds")] == ("0", "0")
    screenshot(browser, "dashboard.png")


def test_a_sku_page_shows_its_forecast_projection_and_plan_as_the_api_does(
    db: Database, live_app: str, browser: WebDriver
) -> None:
    plan_company(db)
    plan_id = create_plan(db, ACTOR, PlanAsk(planning_date=PLANNING_DATE))
    key = admin_key(db)
    page = f"/dashboard/skus/A?on={PLANNING_DATE.isoformat()}"
    log_in(browser, live_app, key, page)
    shown = figures(browser)
    with httpx.Client(base_url=live_app, headers={"X-API-Key": key}) as api:
        forecast = api.get("/v1/forecasts", params={"sku": "A"}).json()
        lines = api.get(f"/v1/replenishment/plans/{plan_id}/lines").json()["data"]
    expected_forecast = {
        (column, value["ds"]): value[column]
        for value in forecast["values"]
        for column in ("mean", "lo_80", "hi_80", "lo_95", "hi_95")
    }
    assert {
        (c, g): float(v) for (k, c, g), (_, v) in shown.items() if k == "forecast"
    } == expected_forecast
    # plan_company: A sells 10 a day, 80% band 6..14, 95% band 4..16, for 56 days.
    assert shown[("forecast", "lo_80", "2026-03-02")] == ("6.0", "6.0")
    # 5 of A on the shelf, nothing reserved, backordered or inbound: day k holds 5 - 10 k.
    net = {
        int(g): float(v)
        for (k, c, g), (_, v) in shown.items()
        if (k, c) == ("projection", "net_stock")
    }
    assert net == {day: 5 - 10 * day for day in range(57)}
    suggested = {(c, g): v for (k, c, g), (_, v) in shown.items() if k == "replenishment"}
    expected_lines = {
        (column, line["location"]): shown_as(line[column])
        for line in lines
        if line["sku"] == "A"
        for column in ("status", "suggested_qty", "qty", "order_by", "expected_arrival")
    }
    assert expected_lines and {k: suggested[k] for k in expected_lines} == expected_lines
    assert suggested[("status", "DC-1")] == "order"
    screenshot(browser, "sku.png")
