"""Pydantic field types that make FastAPI's JSON match the Django implementation's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer

from saaskit.timeutil import rfc3339

# RFC 3339, UTC, microseconds, trailing Z: the one timestamp format of the contract.
Timestamp = Annotated[datetime, PlainSerializer(rfc3339, return_type=str)]
OptionalTimestamp = Annotated[datetime | None, PlainSerializer(rfc3339, return_type=str | None)]
