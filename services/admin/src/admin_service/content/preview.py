"""The Django service's link-preview client: one ``saaskit.preview.SyncPreviewClient``
per process, made at first use (after gunicorn forked the worker, so no worker inherits
another's sockets), with keep-alive connections to upstreams pooled across requests.
Under the gevent workers its sockets, name lookups and waits are cooperative: a request
waiting on an upstream holds a greenlet, not the process."""

from __future__ import annotations

import threading

from saaskit.preview import SyncPreviewClient
from saaskit.settings import get_settings

_client: SyncPreviewClient | None = None
_lock = threading.Lock()


def client() -> SyncPreviewClient:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = SyncPreviewClient.from_settings(get_settings())
    return _client
