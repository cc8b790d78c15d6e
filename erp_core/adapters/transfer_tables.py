"""Tables of transfer."""
