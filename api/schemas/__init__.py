"""Request and response bodies, one model per direction."""
