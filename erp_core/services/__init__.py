"""Business actions, each one transaction through a unit of work."""
