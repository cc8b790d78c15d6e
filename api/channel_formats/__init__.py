"""Channel payload adapters: each turns one channel's order shape into OrderCreate bodies."""
