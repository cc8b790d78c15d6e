"""The system of record: schema, state machines, services, the inventory ledger and governance."""
