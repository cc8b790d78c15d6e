"""Fulfillment routing: where each line of an order ships from, at least cost, and why."""
