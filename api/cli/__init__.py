"""The keel command line (typer)."""
