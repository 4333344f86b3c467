"""The one way a test turns a ``Settings`` into the ``APP_*`` environment of a service
process (uvicorn, gunicorn, the worker, a container): every suite builds a ``Settings``
and this writes it out, so a renamed or re-typed setting fails here, at validation,
instead of being passed by a hand-written name the service no longer reads.

Only the fields the test set are written (``model_fields_set``): everything else is the
service's own default, as in production. Each value is written the way ``Settings``
reads it back: secrets revealed, booleans as ``true``/``false``, ``NoDecode`` tuples
comma-separated (their validator splits on commas), other tuples as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import SecretStr
from pydantic_settings import NoDecode

from saaskit.settings import Settings


def _encode(name: str, value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        if NoDecode in Settings.model_fields[name].metadata:
            return ",".join(value)
        return json.dumps(list(value))
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def settings_env(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``APP_*`` variables a service process reads (set fields only)."""
    return {
        f"APP_{name.upper()}": _encode(name, value)
        for name, value in settings.model_dump(include=settings.model_fields_set).items()
        if value is not None
    }


def service_settings(**values: Any) -> Settings:
    """A ``Settings`` for a service process under test: the test environment, cheap
    argon2 (hashing is not what these tests measure), plain-text logs at WARNING;
    ``values`` add to or override these."""
    return Settings(**{
        "environment": "test",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        "log_level": "WARNING",
        "log_json": False,
        **values,
    })
