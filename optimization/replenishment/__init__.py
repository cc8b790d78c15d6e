"""Replenishment planning: per-line suggestions (policy_line), ABC-XYZ service targets
(service_classes) and the cut to budget, space and supplier limits (constraints)."""
