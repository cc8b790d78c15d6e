"""The SKU page's two pictures: demand history running into the forecast with its 80% and 95%
intervals, and the stock projection."""

from __future__ import annotations

from datetime import timedelta

from markupsafe import Markup

from api.dashboard.charts import Band, Line, line_chart
from api.dashboard.sku_view import SkuView


def demand_chart(view: SkuView) -> Markup:
    past = [qty for _, qty in view.history]
    ahead = view.forecast
    labels = [day.isoformat() for day, _ in view.history] + [v["ds"].isoformat() for v in ahead]
    gap: list[float | None] = [None] * len(past)

    def ahead_of(column: str) -> list[float | None]:
        return [*gap, *(v[column] for v in ahead)]

    lines = [
        Line("units ordered", [*past, *([None] * len(ahead))], "actual"),
        Line("forecast mean", ahead_of("mean"), "forecast"),
    ]
    bands = [
        Band("95% interval", ahead_of("lo_95"), ahead_of("hi_95"), "band95"),
        Band("80% interval", ahead_of("lo_80"), ahead_of("hi_80"), "band80"),
    ]
    return line_chart(labels, lines, bands, f"{view.sku}: daily demand and forecast")


def projection_chart(view: SkuView) -> Markup | None:
    projection = view.projection
    if projection is None:
        return None
    labels = [(view.on + timedelta(days=int(day))).isoformat() for day in projection.day]
    lines = [
        Line("net stock", [float(v) for v in projection.net_stock], "net", step=True),
        Line("inventory position", [float(v) for v in projection.position], "position", step=True),
        Line("on order", [float(v) for v in projection.on_order], "onorder", step=True),
    ]
    return line_chart(labels, lines, (), f"{view.sku}: projected stock")
