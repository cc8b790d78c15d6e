"""The real app under uvicorn on a free loopback port, for tests that need a real server
(concurrent HTTP clients, a browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.main import create_app
from erp_core.adapters.database import Database


@contextmanager
def serving(db: Database) -> Iterator[str]:
    """The base URL of the app serving `db`, until the block ends."""
    app = create_app(db.settings)
    app.state.database = db
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
