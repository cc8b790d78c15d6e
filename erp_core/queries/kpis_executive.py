"""The executive view: what a director reads first. Each KPI's definition is in its
description; the queries live beside the data they read (orders, stock, money)."""

from __future__ import annotations

from erp_core.queries.kpi_frame import Kpi
from erp_core.queries.kpis_inventory import INVENTORY_KPIS
from erp_core.queries.kpis_margin import MARGIN_KPIS
from erp_core.queries.kpis_orders import ORDER_KPIS

EXECUTIVE: tuple[Kpi, ...] = ORDER_KPIS + INVENTORY_KPIS + MARGIN_KPIS
