"""The shared kit's pure pieces: settings safety, cursors, timestamps, problems."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr, ValidationError

from saaskit.pagination import Cursor, InvalidCursor
from saaskit.problems import problem
from saaskit.settings import Settings
from saaskit.timeutil import rfc3339


def test_placeholder_secret_is_refused_outside_development():
    with pytest.raises(ValidationError, match="APP_SECRET_KEY"):
        Settings(environment="production")
    with pytest.raises(ValidationError, match="APP_S3_ACCESS_KEY"):
        Settings(environment="production", secret_key=SecretStr("real"), storage_backend="s3")
    assert Settings(environment="development").is_development
    assert Settings(environment="production", secret_key=SecretStr("real")).environment == "production"


def test_database_url_is_read_with_or_without_prefix(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/x")
    assert Settings().database_url == "postgresql://u@db:5432/x"
    monkeypatch.setenv("APP_DATABASE_URL", "postgresql://u@db:5432/y")
    assert Settings().database_url == "postgresql://u@db:5432/y"


def test_cursor_round_trip_keeps_microseconds_and_id():
    moment = datetime(2026, 11, 25, 17, 0, 0, 123456, tzinfo=UTC)
    cursor = Cursor(moment, 42)
    decoded = Cursor.decode(cursor.encode())
    assert decoded == cursor
    assert "=" not in cursor.encode()


@pytest.mark.parametrize("garbage", ["", "!!!", "bm90LWEtY3Vyc29y", "MTIzOmFiYw"])
def test_bad_cursors_are_refused(garbage):
    with pytest.raises(InvalidCursor):
        Cursor.decode(garbage)


def test_timestamps_are_utc_with_z():
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"
    assert rfc3339(None) is None
    paris = datetime(2026, 7, 1, 12, 0, 0, 5, tzinfo=ZoneInfo("Europe/Paris"))
    assert rfc3339(paris) == "2026-07-01T10:00:00.000005Z"
    as_zone = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=ZoneInfo("UTC"))
    assert rfc3339(as_zone) == "2026-01-02T03:04:05.123456Z"


def test_problem_shape():
    assert problem(404, "post not found") == {
        "type": "about:blank", "title": "Not Found", "status": 404, "detail": "post not found"
    }
