"""What is usual across all customers, learnt at training and kept with the model: each
channel's median order value and how its orders spread over ship-to regions, and each SKU's
usual quantity per line. Live scoring reads these from the model instead of re-grouping the
whole order history for every order."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Baseline:
    channel_median: dict[str, float] = field(default_factory=dict)
    region_share: dict[tuple[str, str], float] = field(default_factory=dict)
    sku_usual_qty: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, history: pd.DataFrame, lines: pd.DataFrame | None = None) -> Baseline:
        """From orders (`channel, ship_region, value`) and optionally their lines (`sku, qty`)."""
        if history.empty:
            return cls()
        totals = history.groupby("channel").size()
        shares = history.groupby(["channel", "ship_region"]).size().div(totals, level="channel")
        usual = {} if lines is None or lines.empty else lines.groupby("sku")["qty"].median()
        return cls(
            channel_median={
                str(k): float(v) for k, v in history.groupby("channel")["value"].median().items()
            },
            region_share={(str(c), str(r)): float(v) for (c, r), v in shares.items()},
            sku_usual_qty={str(k): float(v) for k, v in dict(usual).items()},
        )

    def region_shares(self, orders: pd.DataFrame) -> np.ndarray:
        """Share of the channel's orders that ship to each order's region; 1 for a channel
        with no history, since there is nothing to call it unusual against."""
        known = {channel for channel, _ in self.region_share}
        return np.array(
            [
                self.region_share.get((channel, str(region)), 0.0) if channel in known else 1.0
                for channel, region in zip(orders["channel"], orders["ship_region"], strict=True)
            ],
            dtype=float,
        )

    def qty_ratio(self, lines: tuple[tuple[str, int], ...]) -> float:
        """One order's largest line quantity over its SKU's usual, from `(sku, qty)` pairs."""
        return max(
            (qty / max(self.sku_usual_qty.get(sku, qty), 1.0) for sku, qty in lines), default=1.0
        )

    def line_qty_ratio(self, lines: pd.DataFrame) -> pd.Series:
        """Per `order_id`, the largest line quantity over its SKU's usual (1 when unknown)."""
        usual = lines["sku"].map(self.sku_usual_qty).fillna(lines["qty"]).clip(lower=1.0)
        return (lines["qty"] / usual).groupby(lines["order_id"]).max()
