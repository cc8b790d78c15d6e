"""Single-item inventory policies on plain numbers: textbook formulas (EOQ, newsvendor, (s, S),
(r, Q)), safety stock and the distribution of demand over the protection interval."""

from __future__ import annotations

from optimization.policy.classic import (
    eoq,
    newsvendor_normal,
    newsvendor_poisson,
    rq_policy,
    ss_policy_poisson,
)
from optimization.policy.lead_time_demand import (
    LeadTimeDemand,
    bootstrap_lead_time_demand,
    empirical_demand,
    negative_binomial_demand,
    normal_demand,
    reorder_level,
)
from optimization.policy.safety import (
    cycle_service_factor,
    fill_rate_factor,
    safety_stock,
    standard_normal_loss,
)

__all__ = [
    "LeadTimeDemand",
    "bootstrap_lead_time_demand",
    "cycle_service_factor",
    "empirical_demand",
    "eoq",
    "fill_rate_factor",
    "negative_binomial_demand",
    "newsvendor_normal",
    "newsvendor_poisson",
    "normal_demand",
    "reorder_level",
    "rq_policy",
    "safety_stock",
    "ss_policy_poisson",
    "standard_normal_loss",
]
