"""Tax by jurisdiction: what was charged on invoices and given back on credit notes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.adapters.fulfillment_tables import Invoice, TaxRate
from erp_core.adapters.order_tables import Order
from erp_core.adapters.returns_tables import Refund, ReturnAuthorization
from erp_core.domain.refunds import RefundStatus
from erp_core.queries.books import day_end, day_start

ZERO = Decimal(0)
UNKNOWN = "unknown"  # orders without a country, or captured before jurisdictions were kept


def tax_rate_dict(row: TaxRate) -> dict[str, Any]:
    return {
        "jurisdiction": row.jurisdiction,
        "rate": row.rate,
        "valid_from": row.valid_from,
        "set_by": row.set_by,
        "set_at": row.set_at,
    }


def tax_rates(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(TaxRate).order_by(TaxRate.jurisdiction, TaxRate.valid_from))
    return [tax_rate_dict(row) for row in rows]


def tax_report(session: Session, start: date, end: date) -> dict[str, Any]:
    """Per jurisdiction, for invoices issued and credit notes posted from start to end (both
    days included): the taxable amount invoiced (goods after discount), the tax invoiced, the
    tax credited back, and the tax due, invoiced less credited."""
    since, until = day_start(start), day_end(end)
    where = func.coalesce(Order.tax_jurisdiction, UNKNOWN)
    figures: dict[str, dict[str, Any]] = defaultdict(
        lambda: (
            {"invoices": 0, "taxable": ZERO, "tax_invoiced": ZERO, "credit_notes": 0}
            | {"tax_credited": ZERO}
        )
    )
    invoiced = (
        select(
            where,
            func.count(Invoice.id),
            func.sum(Invoice.goods - Invoice.discount),
            func.sum(Invoice.tax),
        )
        .join(Order, Order.id == Invoice.order_id)
        .where(Invoice.issued_at >= since, Invoice.issued_at < until)
        .group_by(where)
    )
    for jurisdiction, count, taxable, tax in session.execute(invoiced):
        row = figures[jurisdiction]
        row["invoices"], row["taxable"], row["tax_invoiced"] = count, Decimal(taxable), Decimal(tax)
    credited = (
        select(where, func.count(Refund.id), func.sum(Refund.tax))
        .join(ReturnAuthorization, ReturnAuthorization.id == Refund.return_id)
        .join(Order, Order.id == ReturnAuthorization.order_id)
        .where(
            Refund.status == RefundStatus.POSTED,
            Refund.posted_at >= since,
            Refund.posted_at < until,
        )
        .group_by(where)
    )
    for jurisdiction, count, tax in session.execute(credited):
        figures[jurisdiction]["credit_notes"], figures[jurisdiction]["tax_credited"] = (
            count,
            Decimal(tax),
        )
    rows = [
        {"jurisdiction": jurisdiction, **row, "tax_due": row["tax_invoiced"] - row["tax_credited"]}
        for jurisdiction, row in sorted(figures.items())
    ]
    return {"start": start, "end": end, "jurisdictions": rows}
