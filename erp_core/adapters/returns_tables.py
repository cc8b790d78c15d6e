"""Tables of returns."""
