"""One order's routing variables and cost in a CP-SAT model, shared by the single-order router
and the wave, which adds the stock and capacity that orders compete for.

    cost = sum_n [ y_n handling_order_n + sum_b (z_nb price_nb + per_kg_nb w_nb) ]
         + sum_{l,n} x_ln handling_unit_n + split (packages beyond the first)
         + short_penalty sum_l s_l
    sum_n x_ln + s_l = qty_l                       every line ships, or is left short
    x_ln <= min(qty_l, stock_n,sku_l) y_n          units only from a paid-for package
    sum_b z_nb = y_n, sum_b w_nb = sum_l w_l x_ln  the package's weight picks one band
    lower_nb z_nb <= w_nb <= upper_nb z_nb
Only nodes that may serve some line enter the model, which keeps a call in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimization.routing.problem import RouteNode, RouteOrder, why_not


@dataclass(frozen=True)
class OrderVars:
    x: dict[tuple[int, str], cp_model.IntVar]  # (line, node) -> units
    y: dict[str, cp_model.IntVar]  # node -> a package ships from it
    short: dict[int, cp_model.IntVar]  # line -> units left unrouted
    cost: cp_model.LinearExprT  # millicents


def servable_nodes(order: RouteOrder) -> list[RouteNode]:
    return [
        node
        for node in order.nodes
        if any(why_not(order, line, node) is None for line in order.lines)
    ]


def add_order(model: cp_model.CpModel, order: RouteOrder, tag: str = "") -> OrderVars:
    nodes = servable_nodes(order)
    y = {node.code: model.new_bool_var(f"use[{tag}{node.code}]") for node in nodes}
    x: dict[tuple[int, str], cp_model.IntVar] = {}
    short: dict[int, cp_model.IntVar] = {}
    for line in order.lines:
        for node in nodes:
            most = 0 if why_not(order, line, node) else min(line.qty, node.stock[line.sku])
            if most:
                var = model.new_int_var(0, most, f"x[{tag}{line.line},{node.code}]")
                x[line.line, node.code] = var
                model.add(var <= most * y[node.code])
        shipped = [x[line.line, n.code] for n in nodes if (line.line, n.code) in x]
        if order.short_penalty_cents is not None:
            short[line.line] = model.new_int_var(0, line.qty, f"short[{tag}{line.line}]")
            shipped.append(short[line.line])
        # Every line ships whole, or what is left short is paid for.
        model.add(sum(shipped) == line.qty)
    _hold_stock(model, order, nodes, x)
    _hold_caps(model, order, x)
    if order.ship_complete:
        # One package for the whole order (or none, when it may be left short).
        model.add(sum(y.values()) <= 1)
    cost = [_package_cost(model, order, node, x, y[node.code], tag) for node in nodes]
    packages = sum(y.values())
    extra = model.new_int_var(0, max(len(nodes) - 1, 0), f"extra_packages[{tag}]")
    model.add(extra >= packages - 1)
    cost.append(extra * order.split_penalty_cents * 1000)
    if short:
        cost.append(sum(short.values()) * (order.short_penalty_cents or 0) * 1000)
    return OrderVars(x, y, short, sum(cost))


def _hold_stock(
    model: cp_model.CpModel,
    order: RouteOrder,
    nodes: list[RouteNode],
    x: dict[tuple[int, str], cp_model.IntVar],
) -> None:
    """Lines of the same SKU share the node's stock."""
    for sku in {line.sku for line in order.lines}:
        lines = [line.line for line in order.lines if line.sku == sku]
        if len(lines) < 2:
            continue
        for node in nodes:
            taken = [x[n, node.code] for n in lines if (n, node.code) in x]
            if len(taken) > 1:
                model.add(sum(taken) <= node.stock[sku])


def _hold_caps(
    model: cp_model.CpModel, order: RouteOrder, x: dict[tuple[int, str], cp_model.IntVar]
) -> None:
    """Ring-fences for other channels: the order takes at most its cap of a SKU in all."""
    for sku in {line.sku for line in order.lines}:
        cap = order.cap(sku)
        if cap is not None:
            lines = {line.line for line in order.lines if line.sku == sku}
            model.add(sum(var for (line, _), var in x.items() if line in lines) <= cap)


def _package_cost(
    model: cp_model.CpModel,
    order: RouteOrder,
    node: RouteNode,
    x: dict[tuple[int, str], cp_model.IntVar],
    used: cp_model.IntVar,
    tag: str,
) -> cp_model.LinearExprT:
    units = [(line, x[line.line, node.code]) for line in order.lines if (line.line, node.code) in x]
    weight = sum(var * line.unit_weight_g for line, var in units)
    heaviest = sum(min(line.qty, node.stock[line.sku]) * line.unit_weight_g for line, _ in units)
    terms: list[cp_model.LinearExprT] = [used * node.handling_order_cents * 1000]
    terms += [var * node.handling_unit_cents * 1000 for _, var in units]
    (first, *rest) = node.bands
    if not rest:
        if first.max_weight_g is not None:
            model.add(weight <= first.max_weight_g * used)
        terms += [used * first.price_cents * 1000, weight * first.per_kg_cents]
        return cp_model.LinearExpr.sum(terms)
    pick, carried, lower = [], [], 0
    for index, band in enumerate(node.bands):
        upper = heaviest if band.max_weight_g is None else min(band.max_weight_g, heaviest)
        z = model.new_bool_var(f"band[{tag}{node.code},{index}]")
        w = model.new_int_var(0, max(upper, 0), f"weight[{tag}{node.code},{index}]")
        # The band carries the package only when its weight falls inside the band.
        model.add(w <= upper * z)
        model.add(w >= lower * z)
        pick.append(z)
        carried.append(w)
        lower = (band.max_weight_g or 0) + 1
        terms += [z * band.price_cents * 1000, w * band.per_kg_cents]
    model.add(sum(pick) == used)
    model.add(sum(carried) == weight)
    return cp_model.LinearExpr.sum(terms)
