"""The FastAPI application and the keel command line."""
