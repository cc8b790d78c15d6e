"""Business rules as plain Python, testable without a database."""
