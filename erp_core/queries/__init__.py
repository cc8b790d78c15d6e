"""Read models: plain select() queries that return dicts and pages, never loaded aggregates."""
