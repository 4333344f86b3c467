"""Raw sockets that a background thread drives slowly against a server, for the tests of
slow clients: ``count`` connections to ``url``, each closed when the block ends."""

from __future__ import annotations

import socket
import threading
from typing import Self
from urllib.parse import urlsplit


class SlowSockets:
    """Subclasses open ``self.sockets`` in ``_run`` and set ``ready`` once each has sent
    something; ``_run`` must return soon after ``_stop`` is set."""

    READY_WITHIN = 10.0  # seconds for every socket to connect and send its first bytes
    NOT_READY = "the slow clients could not connect"

    def __init__(self, url: str, count: int) -> None:
        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.count = count
        self.sockets: list[socket.socket] = []
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        assert self.ready.wait(self.READY_WITHIN), self.NOT_READY
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        for s in self.sockets:
            s.close()

    def _run(self) -> None:
        raise NotImplementedError
