"""Schemathesis hooks for the contract's fuzzing run (``SCHEMATHESIS_HOOKS``).

``format: cursor`` / ``uuid-cursor`` (saaskit.openapi): a cursor is what a page's
``next_cursor`` gives, ``base64url("<microseconds>:<id>")``; any (time, id) makes a
valid one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import schemathesis
from hypothesis import strategies as st

from saaskit.openapi import CURSOR_FORMAT, UUID_CURSOR_FORMAT
from saaskit.pagination import Cursor

_moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
_int_cursor = st.builds(Cursor, _moments, st.integers(1, 2**63 - 1)).map(Cursor.encode)
_uuid_cursor = st.builds(Cursor, _moments, st.uuids().map(str)).map(Cursor.encode)

schemathesis.openapi.format(CURSOR_FORMAT, _int_cursor)
schemathesis.openapi.format(UUID_CURSOR_FORMAT, _uuid_cursor)
