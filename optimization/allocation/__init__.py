"""Channel allocation: split each SKU's available-to-sell stock across sales channels (an LP)."""
