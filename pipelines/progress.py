"""Where long jobs report progress: a rich bar in the CLI, log lines in a pipeline."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("keel.jobs")


class ProgressSink(Protocol):
    def phase(self, name: str, total: int) -> None: ...
    def advance(self, amount: int = 1) -> None: ...


class LogProgress:
    """Progress as log lines, for pipelines run without a terminal: one line when a phase
    starts and one at each further tenth of it."""

    def __init__(self) -> None:
        self.name, self.total, self.done, self.logged = "", 0, 0, 0

    def phase(self, name: str, total: int) -> None:
        self.name, self.total, self.done, self.logged = name, total, 0, 0
        log.info("%s: started (%d steps)", name, total)

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        tenths = self.done * 10 // self.total if self.total else 0
        if tenths > self.logged:
            self.logged = tenths
            log.info("%s: %d%% (%d of %d)", self.name, tenths * 10, self.done, self.total)
