"""Tables of purchasing."""
