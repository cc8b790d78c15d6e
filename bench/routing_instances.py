"""Seeded routing instances that look like a European retailer's network, for the benchmarks.

Twenty nodes with their real positions: six own DCs, seven 3PL warehouses, a drop-ship vendor
and six stores (more, past twenty, are 3PLs at random places). Orders ship to 32 city regions
weighted by population. Everything a router prices comes from the road distance
(great circle x 1.2) between a node and the ship-to:

    zone            <= 300 km: 1, <= 800: 2, <= 1400: 3, else 4 (factor 1, 1.35, 1.75, 2.3)
    rate bands      up to 1, 5, 10 and 31.5 kg at 4.20, 5.90, 8.20 and 12.50 EUR x zone factor
                    x the node's carrier factor (DC 1, 3PL 0.92, store 1.3, vendor 1.15),
                    the last band also 0.12 EUR per kg x zone factor; crossing the UK border
                    adds 4.50 EUR and a day
    transit days    the zone number, a day more from the vendor (it picks to order)
    handling        per package / per unit: DC 1.20 / 0.15, 3PL 2.10 / 0.28,
                    store 3.80 / 0.55, vendor 2.60 / 0
SKUs have Zipf popularity and log-normal weights (median 450 g); 6% are hazardous (five DCs
and two 3PLs may ship them), 5% are drop-shipped by the vendor and sold on the web store only.
Each SKU is stocked at a DC with chance 0.75, a 3PL 0.45, a store 0.2. Channels:
    web store         60%, priority 100, 1-3 units a line
    marketplace       25%, priority 50, own DCs only
    B2B portal         8%, priority 80, ships complete, 2-4 lines of 2-6 units
    customer service   7%, priority 60
Lines per order 1-5 (45/27/15/8/5%, about 2). The promised date is what the shop would have
shown at checkout: the slowest line from the fastest node that stocks it and may ship it, plus
a slack (web: 1-2 days, express 10% none; marketplace 0-1; customer service none; B2B 2-4 days
or no date).

Single orders (`random_orders`) see everyday shelf stock: up to 12 units at a DC, 6 at a 3PL,
3 at a store, 99 at the vendor. A wave (`random_wave`) has stock drawn from its own demand: a
`scarcity` share of the SKUs it asks for get 35-85% of what its orders want in all, spread
over the nodes that stock them (DCs twice a share); the rest are held at each stocking node
at 0.8-2x the wave's demand (DC), 0.3-1.2x (3PL) or 0-0.3x (store), plus a few units. Node
capacity for the day is a share of the wave's orders and units: DCs 16%, 3PLs 6%, stores 1.2%,
the vendor 6% (no unit limit), each x 0.8-1.2 x `capacity`, which leaves the central DCs short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from optimization.routing.problem import RateBand, RouteLine, RouteNode, RouteOrder
from optimization.routing.wave import Wave, WaveOrder

SITES = (  # code, kind, lat, lon; any prefix mixes the kinds
    ("DC-ERFURT", "own_dc", 50.98, 11.03),
    ("DC-VENLO", "own_dc", 51.37, 6.17),
    ("3PL-NORTHAMPTON", "3pl", 52.24, -0.90),
    ("VENDOR-PORTO", "dropship_vendor", 41.15, -8.61),
    ("DC-LYON", "own_dc", 45.76, 4.84),
    ("STORE-PARIS", "store", 48.86, 2.35),
    ("3PL-PRAGUE", "3pl", 50.08, 14.44),
    ("DC-MADRID", "own_dc", 40.42, -3.70),
    ("3PL-ANTWERP", "3pl", 51.22, 4.40),
    ("STORE-BERLIN", "store", 52.52, 13.40),
    ("DC-POZNAN", "own_dc", 52.41, 16.93),
    ("3PL-LINZ", "3pl", 48.31, 14.29),
    ("DC-MILAN", "own_dc", 45.46, 9.19),
    ("STORE-AMSTERDAM", "store", 52.37, 4.90),
    ("3PL-LILLE", "3pl", 50.63, 3.06),
    ("3PL-JONKOPING", "3pl", 57.78, 14.16),
    ("STORE-MUNICH", "store", 48.14, 11.58),
    ("3PL-BARCELONA", "3pl", 41.39, 2.17),
    ("STORE-VIENNA", "store", 48.21, 16.37),
    ("STORE-COPENHAGEN", "store", 55.68, 12.57),
)
HAZMAT_SITES = {"DC-ERFURT", "DC-VENLO", "DC-LYON", "DC-MADRID", "DC-POZNAN", "3PL-ANTWERP"}
HAZMAT_SITES |= {"3PL-PRAGUE"}
REGIONS = (  # code, lat, lon, population weight
    ("DE-BER", 52.52, 13.40, 4), ("DE-HAM", 53.55, 9.99, 3), ("DE-MUC", 48.14, 11.58, 3),
    ("DE-CGN", 50.94, 6.96, 3), ("DE-FRA", 50.11, 8.68, 2), ("DE-STR", 48.78, 9.18, 2),
    ("DE-LEJ", 51.34, 12.37, 1), ("FR-PAR", 48.86, 2.35, 5), ("FR-LYS", 45.76, 4.84, 2),
    ("FR-MRS", 43.30, 5.37, 2), ("FR-BOD", 44.84, -0.58, 1), ("FR-LIL", 50.63, 3.06, 1),
    ("NL-AMS", 52.37, 4.90, 2), ("NL-RTM", 51.92, 4.48, 2), ("BE-BRU", 50.85, 4.35, 2),
    ("UK-LON", 51.51, -0.13, 5), ("UK-MAN", 53.48, -2.24, 2), ("UK-EDI", 55.95, -3.19, 1),
    ("ES-MAD", 40.42, -3.70, 3), ("ES-BCN", 41.39, 2.17, 2), ("ES-SVQ", 37.39, -5.98, 1),
    ("IT-MIL", 45.46, 9.19, 3), ("IT-ROM", 41.90, 12.50, 3), ("IT-NAP", 40.85, 14.27, 2),
    ("PL-WAW", 52.23, 21.01, 2), ("PL-KRK", 50.06, 19.94, 1), ("CZ-PRG", 50.08, 14.44, 1),
    ("AT-VIE", 48.21, 16.37, 1), ("SE-STO", 59.33, 18.07, 1), ("DK-CPH", 55.68, 12.57, 1),
    ("PT-LIS", 38.72, -9.14, 1), ("IE-DUB", 53.35, -6.26, 1),
)  # fmt: skip
UK = {"3PL-NORTHAMPTON", "UK-LON", "UK-MAN", "UK-EDI"}
BANDS_G = (1_000, 5_000, 10_000, 31_500)
BAND_CENTS = (420, 590, 820, 1_250)
ZONES = ((300, 1.0), (800, 1.35), (1_400, 1.75), (math.inf, 2.3))  # road km up to, factor
CARRIER = {"own_dc": 1.0, "3pl": 0.92, "store": 1.3, "dropship_vendor": 1.15}
HANDLING = {"own_dc": (120, 15), "3pl": (210, 28), "store": (380, 55), "dropship_vendor": (260, 0)}
# Per kind: the chance it stocks a SKU, the most units of it on a shelf for single orders, and
# a wave's cover: the share of the wave's demand it holds (from, to) plus a few units.
STOCKS = {
    "own_dc": (0.75, 12, (0.8, 2.0), 10),
    "3pl": (0.45, 6, (0.3, 1.2), 5),
    "store": (0.2, 3, (0.0, 0.3), 3),
    "dropship_vendor": (0.0, 99, (1.0, 3.0), 10),
}
CAPACITY = {"own_dc": 0.16, "3pl": 0.06, "store": 0.012, "dropship_vendor": 0.06}
LINES = (0.45, 0.27, 0.15, 0.08, 0.05)  # 1 to 5 lines, about 2 on average
SPLIT_PENALTY_CENTS = 250


@dataclass(frozen=True)
class Channel:
    name: str
    share: float
    priority: int
    own_dcs_only: bool = False
    ship_complete: bool = False


CHANNELS = (
    Channel("web_store", 0.60, 100),
    Channel("marketplace", 0.25, 50, own_dcs_only=True),
    Channel("b2b_portal", 0.08, 80, ship_complete=True),
    Channel("customer_service", 0.07, 60),
)


@dataclass(frozen=True)
class Site:
    code: str
    kind: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Sku:
    code: str
    weight_g: int
    hazardous: bool
    dropship: bool
    stocked_at: tuple[str, ...]


@dataclass(frozen=True)
class Drawn:
    """One generated order before its node view: what the ship-to and channel make of it."""

    lines: tuple[RouteLine, ...]
    region: int
    channel: Channel
    due_in_days: int | None


class Network:
    """Sites, SKUs and the node views per (region, channel rule), drawn from one seed."""

    def __init__(self, n_nodes: int, n_skus: int, rng: np.random.Generator) -> None:
        self.rng = rng
        self.sites = _sites(n_nodes, rng)
        self.vendor = next((s.code for s in self.sites if s.kind == "dropship_vendor"), None)
        self.skus = self._skus(n_skus)
        self.stocked_at = {sku.code: sku.stocked_at for sku in self.skus}
        popularity = 1.0 / np.arange(1, n_skus + 1) ** 0.9
        self.popular = np.cumsum(rng.permutation(popularity / popularity.sum()))
        weights = np.array([r[3] for r in REGIONS], dtype=float)
        self.region_weights = weights / weights.sum()
        self.carrier = {s.code: CARRIER[s.kind] * rng.uniform(0.95, 1.05) for s in self.sites}
        self._views: dict[tuple[int, bool], tuple[RouteNode, ...]] = {}

    def _skus(self, count: int) -> tuple[Sku, ...]:
        rng, skus = self.rng, []
        for index in range(count):
            weight = int(np.clip(rng.lognormal(math.log(450), 1.0), 30, 25_000) // 10 * 10)
            dropship = self.vendor is not None and rng.random() < 0.05
            if dropship:
                stocked: tuple[str, ...] = (self.vendor or "",)
            else:
                stocked = tuple(s.code for s in self.sites if rng.random() < STOCKS[s.kind][0])
                keepers = [s.code for s in self.sites if s.kind in ("own_dc", "3pl")]
                stocked = stocked or (str(rng.choice(keepers or [self.sites[0].code])),)
            skus.append(Sku(f"SKU-{index:05d}", weight, rng.random() < 0.06, dropship, stocked))
        return tuple(skus)

    def draw(self, lines: int | None = None) -> Drawn:
        rng = self.rng
        channel = CHANNELS[rng.choice(len(CHANNELS), p=[c.share for c in CHANNELS])]
        count = lines or int(rng.choice(len(LINES), p=LINES)) + 1
        if channel.ship_complete and lines is None:
            count = min(max(count, 2), 4)
        picked: list[int] = []
        while len(picked) < count:
            sku = min(int(np.searchsorted(self.popular, rng.random())), len(self.skus) - 1)
            listed = not self.skus[sku].dropship or channel == CHANNELS[0]
            if sku not in picked and listed:
                picked.append(sku)
        order_lines = tuple(
            RouteLine(
                n + 1,
                self.skus[sku].code,
                int(rng.integers(2, 7)) if channel.ship_complete else _retail_qty(rng),
                self.skus[sku].weight_g,
                restricted=self.skus[sku].hazardous,
                vendor=self.vendor if self.skus[sku].dropship else None,
            )
            for n, sku in enumerate(picked)
        )
        region = int(rng.choice(len(REGIONS), p=self.region_weights))
        return Drawn(order_lines, region, channel, self._promise(order_lines, region, channel))

    def _promise(self, lines: tuple[RouteLine, ...], region: int, channel: Channel) -> int | None:
        """The date the shop promised at checkout: the slowest line from the fastest node that
        stocks it and may ship it, plus the channel's slack."""
        slack = _slack(channel, self.rng)
        if slack is None:
            return None
        views = {n.code: n for n in self.views(region, channel.own_dcs_only)}
        fastest = [
            min(
                (
                    views[code].transit_days
                    for code in self.stocked_at[line.sku]
                    if views[code].channel_allowed
                    and (views[code].ships_restricted or not line.restricted)
                ),
                default=0,
            )
            for line in lines
        ]
        return max(fastest) + slack

    def views(self, region: int, own_dcs_only: bool) -> tuple[RouteNode, ...]:
        """The nodes as an order to this region sees them, with no stock and no capacity."""
        key = (region, own_dcs_only)
        if key not in self._views:
            self._views[key] = tuple(
                self._view(site, REGIONS[region], own_dcs_only) for site in self.sites
            )
        return self._views[key]

    def _view(self, site: Site, region: tuple, own_dcs_only: bool) -> RouteNode:
        code, lat, lon, _ = region
        km = 1.2 * _great_circle_km(site.lat, site.lon, lat, lon)
        zone = next(n for n, (most, _) in enumerate(ZONES) if km <= most)
        customs = (site.code in UK) != (code in UK)
        factor = ZONES[zone][1] * self.carrier[site.code]
        bands = tuple(
            RateBand(most, round(cents * factor) + 450 * customs, 0)
            for most, cents in zip(BANDS_G, BAND_CENTS, strict=True)
        )
        last = bands[-1]
        bands = (*bands[:-1], replace(last, per_kg_cents=round(12 * ZONES[zone][1])))
        per_order, per_unit = HANDLING[site.kind]
        return RouteNode(
            site.code,
            {},
            handling_order_cents=per_order,
            handling_unit_cents=per_unit,
            bands=bands,
            transit_days=zone + 1 + (site.kind == "dropship_vendor") + customs,
            ships_restricted=site.code in HAZMAT_SITES,
            channel_allowed=not own_dcs_only or site.kind == "own_dc",
        )

    def order(self, drawn: Drawn, stock: dict[tuple[str, str], int] | None = None) -> RouteOrder:
        nodes = self.views(drawn.region, drawn.channel.own_dcs_only)
        if stock is not None:
            skus = {line.sku for line in drawn.lines}
            nodes = tuple(
                replace(n, stock={s: stock.get((n.code, s), 0) for s in skus}) for n in nodes
            )
        return RouteOrder(
            drawn.lines,
            nodes,
            split_penalty_cents=SPLIT_PENALTY_CENTS,
            ship_complete=drawn.channel.ship_complete,
            due_in_days=drawn.due_in_days,
        )


def random_orders(
    n: int, n_nodes: int = 20, lines: int | None = None, seed: int = 0, n_skus: int = 2_000
) -> list[RouteOrder]:
    """n orders, each with its own view of the nodes and their stock (lines: 1-5 when None)."""
    network = Network(n_nodes, n_skus, np.random.default_rng(seed))
    stock = _shelf_stock(network)
    return [network.order(network.draw(lines), stock) for _ in range(n)]


def random_wave(
    n_orders: int,
    n_nodes: int = 20,
    scarcity: float = 0.1,
    capacity: float = 1.0,
    seed: int = 0,
    n_skus: int | None = None,
) -> Wave:
    """A wave of released orders with stock pools drawn from their demand (see the module)."""
    rng = np.random.default_rng(seed)
    network = Network(n_nodes, n_skus or max(50, n_orders // 2), rng)
    drawn = [network.draw() for _ in range(n_orders)]
    orders = tuple(
        WaveOrder(f"SO-{n:06d}", network.order(d), d.channel.priority) for n, d in enumerate(drawn)
    )
    demand: dict[str, int] = {}
    for d in drawn:
        for line in d.lines:
            demand[line.sku] = demand.get(line.sku, 0) + line.qty
    stock: dict[tuple[str, str], int] = {}
    kinds = {site.code: site.kind for site in network.sites}
    for sku in network.skus:
        if sku.code not in demand:
            continue
        if rng.random() < scarcity:
            total = round(demand[sku.code] * rng.uniform(0.35, 0.85))
            _spread(rng, sku, total, network.sites, stock)
            continue
        for code in sku.stocked_at:
            _, _, cover, few = STOCKS[kinds[code]]
            held = demand[sku.code] * rng.uniform(*cover) + rng.integers(0, few + 1)
            stock[code, sku.code] = round(held)
    orders_left: dict[str, int | None] = {}
    units_left: dict[str, int | None] = {}
    units = sum(demand.values())
    for site in network.sites:
        share = CAPACITY[site.kind] * capacity * rng.uniform(0.8, 1.2)
        orders_left[site.code] = max(round(n_orders * share), 1)
        units_left[site.code] = None if site.kind == "dropship_vendor" else round(units * share)
    return Wave(orders, stock, orders_left, units_left)


def _spread(
    rng: np.random.Generator,
    sku: Sku,
    total: int,
    sites: tuple[Site, ...],
    stock: dict[tuple[str, str], int],
) -> None:
    """Total units over the nodes that stock the SKU, DCs holding about twice a store's share."""
    kinds = {s.code: s.kind for s in sites}
    bias = np.array([2.0 if kinds[code] == "own_dc" else 1.0 for code in sku.stocked_at])
    for code, units in zip(
        sku.stocked_at, rng.multinomial(total, rng.dirichlet(bias)), strict=True
    ):
        if units:
            stock[code, sku.code] = int(units)


def _shelf_stock(network: Network) -> dict[tuple[str, str], int]:
    """Everyday stock for single orders: a few units per stocking node, some at none."""
    stock = {}
    kinds = {s.code: s.kind for s in network.sites}
    for sku in network.skus:
        for code in sku.stocked_at:
            most = STOCKS[kinds[code]][1]
            stock[code, sku.code] = int(network.rng.integers(0, most + 1))
    return stock


def _sites(count: int, rng: np.random.Generator) -> tuple[Site, ...]:
    sites = [Site(*spec) for spec in SITES[:count]]
    for extra in range(count - len(sites)):
        lat, lon = rng.uniform(40.0, 56.0), rng.uniform(-4.0, 20.0)
        sites.append(Site(f"3PL-X{extra + 1:02d}", "3pl", round(lat, 2), round(lon, 2)))
    return tuple(sites)


def _retail_qty(rng: np.random.Generator) -> int:
    return int(rng.choice(3, p=(0.8, 0.15, 0.05))) + 1


def _slack(channel: Channel, rng: np.random.Generator) -> int | None:
    """Days beyond the fastest node the promise allows; None: no promised date."""
    if channel.name == "marketplace":
        return int(rng.integers(0, 2))
    if channel.name == "customer_service":
        return 0
    if channel.ship_complete:
        return None if rng.random() < 0.3 else int(rng.integers(2, 5))
    return 0 if rng.random() < 0.1 else int(rng.integers(1, 3))


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
