"""Inventory policy, replenishment plans, fulfillment routing and channel allocation (OR-Tools)."""
