"""Turning a day's units per SKU into the orders customers place: each channel's share, its
units per line and lines per order, prices with the day's promotion, VAT, customers, and a few
planted anomalies (value spikes, velocity bursts, address mismatches) labelled for evaluation.

Anomalies are carved out of the day's units rather than added to them, so the stock story
that produced the units still holds.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from pipelines.demo_company import CHANNELS, REGIONS, ChannelBehaviour

VAT = Decimal("0.19")  # B2B portal sales are reverse-charged: no VAT on the invoice
CENT = Decimal("0.01")
ANOMALY_RATE = 0.004  # planted anomalous orders per order, about
SPIKE_UNITS = (12, 40)
BURST_ORDERS = (5, 9)
LOYAL_ORDER_SHARE = 0.3


@dataclass(frozen=True)
class DemoLine:
    sku: str
    qty: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal


@dataclass
class DemoOrder:
    channel: str
    external_id: str
    at: datetime
    customer: str
    country: str
    node: str | None
    lines: list[DemoLine] = field(default_factory=list)
    anomaly: str | None = None

    @property
    def ship_to(self) -> dict[str, str | None]:
        """The customer's own street in the country shipped to: one address per customer, so
        address velocity means what it would in a real shop."""
        house = zlib.crc32(self.customer.encode()) % 90_000
        return {
            "name": self.customer,
            "line1": f"{house % 300 + 1} Demo Street",
            "city": "Demo City",
            "postcode": f"{10_000 + house}",
            "country": self.country,
        }


class OrderMaker:
    """Deterministic for a seed; `prefix` keeps external ids of different runs apart."""

    def __init__(
        self,
        catalogue: pd.DataFrame,
        customers: pd.DataFrame,
        price_factor: np.ndarray,
        start: datetime,
        prefix: str,
        rng: np.random.Generator,
    ) -> None:
        self.skus = catalogue
        self.prices = [Decimal(p) for p in catalogue["list_price"]]
        self.price_factor = price_factor
        self.start = start
        self.prefix = prefix
        self.rng = rng
        self.b2b = customers.loc[customers["b2b"], ["code", "region"]].to_numpy()
        self.b2c = customers.loc[~customers["b2b"], ["code", "region"]].to_numpy()
        self.shares = np.array([c.unit_share for c in CHANNELS])
        self.serial = 0

    def day(self, t: int, units: dict[int, int], node: str | None) -> list[DemoOrder]:
        """The orders of day t for `units` (SKU index -> units), all shipping from `node`."""
        lines: dict[str, list[tuple[int, int]]] = {c.code: [] for c in CHANNELS}
        planted: list[DemoOrder] = []
        for index, qty in units.items():
            qty -= self._plant(t, index, qty, node, planted)
            for channel, share in zip(
                CHANNELS, self.rng.multinomial(qty, self.shares), strict=True
            ):
                lines[channel.code].extend((index, q) for q in self._line_sizes(channel, share))
        orders = [o for c in CHANNELS for o in self._baskets(t, c, lines[c.code], node)]
        self._mismatch_addresses(orders)
        return orders + planted

    def _line_sizes(self, channel: ChannelBehaviour, units: int) -> list[int]:
        sizes, units = [], int(units)
        low, high = channel.units_per_line
        while units > 0:
            size = min(units, int(self.rng.integers(low, high + 1)))
            sizes.append(size)
            units -= size
        return sizes

    def _baskets(
        self, t: int, channel: ChannelBehaviour, lines: list[tuple[int, int]], node: str | None
    ) -> list[DemoOrder]:
        order = self.rng.permutation(len(lines))
        low, high = channel.lines_per_order
        baskets, at = [], 0
        while at < len(order):
            size = int(self.rng.integers(low, high + 1))
            baskets.append([lines[i] for i in order[at : at + size]])
            at += size
        return [self._order(t, channel, basket, node) for basket in baskets]

    def _order(
        self,
        t: int,
        channel: ChannelBehaviour,
        basket: list[tuple[int, int]],
        node: str | None,
        customer: tuple[str, str] | None = None,
        at: datetime | None = None,
    ) -> DemoOrder:
        code, region = customer or self._customer(channel)
        self.serial += 1
        order = DemoOrder(
            channel.code,
            f"{self.prefix}{channel.code}-{self.serial:07d}",
            at or self._time_of(t),
            str(code),
            str(region),
            node,
        )
        merged: dict[int, int] = {}
        for index, qty in basket:
            merged[index] = merged.get(index, 0) + qty
        order.lines = [self._line(t, channel, index, qty) for index, qty in merged.items()]
        return order

    def _line(self, t: int, channel: ChannelBehaviour, index: int, qty: int) -> DemoLine:
        price = (self.prices[index] * Decimal(str(channel.price_factor))).quantize(CENT)
        cut = Decimal(1) - Decimal(str(round(float(self.price_factor[index, t]), 2)))
        discount = (price * qty * cut).quantize(CENT)
        vat = Decimal(0) if channel.code == "B2B" else VAT
        return DemoLine(
            str(self.skus["sku"].iat[index]),
            qty,
            price,
            discount,
            ((price * qty - discount) * vat).quantize(CENT),
        )

    def _customer(self, channel: ChannelBehaviour) -> tuple[str, str]:
        pool = self.b2b if channel.code == "B2B" else self.b2c
        # Loyal customers (the first twentieth) place almost a third of the orders.
        loyal = self.rng.random() < LOYAL_ORDER_SHARE
        rank = int(self.rng.integers(max(1, len(pool) // 20) if loyal else len(pool)))
        return tuple(pool[rank])  # type: ignore[return-value]

    def _time_of(self, t: int) -> datetime:
        seconds = int(self.rng.integers(7 * 3600, 23 * 3600))
        return self.start + timedelta(days=t, seconds=seconds)

    def _plant(
        self, t: int, index: int, qty: int, node: str | None, planted: list[DemoOrder]
    ) -> int:
        """Carve an anomalous order (or a burst of them) out of a SKU's units; the units used."""
        if qty < SPIKE_UNITS[0] or self.rng.random() > ANOMALY_RATE * 4:
            return 0
        web = CHANNELS[0]
        if self.rng.random() < 0.5:
            size = min(qty, int(self.rng.integers(*SPIKE_UNITS)))
            spike = self._order(t, web, [(index, size)], node)
            spike.anomaly = "value_spike"
            planted.append(spike)
            return spike.lines[0].qty
        customer = self._customer(web)
        first = self._time_of(t)
        burst = [
            self._order(t, web, [(index, 1)], node, customer, first + timedelta(minutes=7 * n))
            for n in range(int(self.rng.integers(*BURST_ORDERS)))
        ]
        for order in burst:
            order.anomaly = "velocity_burst"
        planted.extend(burst)
        return len(burst)

    def _mismatch_addresses(self, orders: list[DemoOrder]) -> None:
        """Ship some B2C orders to a country the customer does not live in."""
        for order in orders:
            if order.channel != "B2B" and self.rng.random() < ANOMALY_RATE / 2:
                order.country = str(self.rng.choice([r for r in REGIONS if r != order.country]))
                order.anomaly = "address_mismatch"
