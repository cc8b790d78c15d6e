"""The chart of accounts. Every journal line names one of these accounts; a posting rule that
names another is a bug and is refused before anything is written.

Receivables are kept per channel ("receivable:AMZ") because each marketplace pays out on its
own schedule, and vendor receivables per supplier ("vendor_receivable:ACME") for goods sent
back; both take the code of the channel or supplier after the colon.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from erp_core.domain.errors import InvalidInput


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    # Reduces revenue (discounts, returns): a debit balance shown under revenue.
    CONTRA_REVENUE = "contra_revenue"
    EXPENSE = "expense"


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    type: AccountType

    @property
    def debit_normal(self) -> bool:
        """Whether the account's balance normally sits on the debit side."""
        return self.type in {AccountType.ASSET, AccountType.CONTRA_REVENUE, AccountType.EXPENSE}


T = AccountType
CHART: tuple[Account, ...] = (
    Account("cash", "Cash", T.ASSET),
    Account("receivable", "Receivables per channel", T.ASSET),
    Account("vendor_receivable", "Receivables from suppliers for goods sent back", T.ASSET),
    Account("inventory", "Inventory", T.ASSET),
    Account("grni", "Goods received not invoiced", T.LIABILITY),
    Account("tax_payable", "Tax payable", T.LIABILITY),
    Account("carrier_payable", "Carriers payable", T.LIABILITY),
    Account("opening_balance", "Opening balances", T.EQUITY),
    Account("revenue", "Revenue", T.REVENUE),
    Account("shipping_income", "Shipping income", T.REVENUE),
    Account("restocking_income", "Restocking fees", T.REVENUE),
    Account("discounts", "Discounts", T.CONTRA_REVENUE),
    Account("sales_returns", "Returns and refunds", T.CONTRA_REVENUE),
    Account("cogs", "Cost of goods sold", T.EXPENSE),
    Account("marketplace_fees", "Marketplace fees", T.EXPENSE),
    Account("marketplace_adjustments", "Marketplace adjustments", T.EXPENSE),
    Account("shipping_expense", "Shipping expense", T.EXPENSE),
    Account("inventory_write_off", "Inventory write-offs", T.EXPENSE),
    Account("inventory_adjustments", "Inventory adjustments and cost rounding", T.EXPENSE),
)
ACCOUNTS = {account.code: account for account in CHART}
CHART_ORDER = {account.code: position for position, account in enumerate(CHART)}
# Accounts kept per counterparty: the code is "<account>:<channel or supplier code>".
PER_PARTY = frozenset({"receivable", "vendor_receivable"})


class UnknownAccount(InvalidInput):
    code = "unknown_account"


def account_of(code: str) -> Account:
    """The chart's account a journal line's account code belongs to."""
    base, _, party = code.partition(":")
    if base not in ACCOUNTS or bool(party) != (base in PER_PARTY):
        raise UnknownAccount(f"{code!r} is not in the chart of accounts", account=code)
    return ACCOUNTS[base]


def chart_account(code: str) -> Account:
    """The account a filter names: one account ("receivable:AMZ") or a chart code standing
    for all its party accounts ("receivable")."""
    return ACCOUNTS[code] if code in ACCOUNTS else account_of(code)
