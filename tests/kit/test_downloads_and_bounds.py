"""saaskit.files.downloads and the id and cursor bounds of saaskit.pagination, which both
stacks send and apply."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from saaskit.files.downloads import download_headers, redirect_headers
from saaskit.pagination import (
    BIGINT_MAX,
    CURSOR_MAX_LENGTH,
    Cursor,
    InvalidCursor,
    is_valid_id,
    next_cursor,
)

MOMENT = datetime(2026, 12, 2, 7, 0, 0, 123456, tzinfo=UTC)


def test_download_headers_make_an_attachment_that_is_never_sniffed_or_cached():
    headers = download_headers(filename="Résumé 2026.txt", content_type="text/plain", size=13)
    assert headers == {
        "Content-Type": "text/plain",  # exactly as stored: no charset claimed
        "Content-Length": "13",
        "Content-Disposition": "attachment; filename=\"Resume 2026.txt\"; "
        "filename*=UTF-8''R%C3%A9sum%C3%A9%202026.txt",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }


def test_a_quote_or_a_non_latin_name_cannot_break_the_header():
    value = download_headers(filename='a"b;\r\nc.txt', content_type="text/plain", size=1)[
        "Content-Disposition"
    ]
    assert value == "attachment; filename=\"a_b___c.txt\"; filename*=UTF-8''a%22b%3B%0D%0Ac.txt"
    assert 'filename="download"' in download_headers(
        filename="日本語", content_type="text/plain", size=1
    )["Content-Disposition"]


def test_redirect_headers():
    assert redirect_headers("https://s3.example/x?sig=1") == {
        "Location": "https://s3.example/x?sig=1",
        "Cache-Control": "no-store",
    }


def test_id_bounds_are_those_of_bigint():
    assert is_valid_id(1) and is_valid_id(BIGINT_MAX)
    assert not is_valid_id(0) and not is_valid_id(-1) and not is_valid_id(BIGINT_MAX + 1)


@pytest.mark.parametrize("ident", [0, -5, BIGINT_MAX + 1])
def test_a_cursor_naming_an_id_no_row_can_have_is_invalid(ident):
    with pytest.raises(InvalidCursor, match="cursor is not valid"):
        Cursor.decode(Cursor(MOMENT, ident).encode())


def test_uuid_cursors_round_trip_and_refuse_integers():
    cursor = Cursor(MOMENT, uuid.uuid4())
    assert Cursor.decode(cursor.encode(), id_type=uuid.UUID) == cursor
    with pytest.raises(InvalidCursor):
        Cursor.decode(Cursor(MOMENT, 42).encode(), id_type=uuid.UUID)


def test_an_over_long_cursor_is_invalid_before_it_is_decoded():
    assert len(Cursor(MOMENT, uuid.uuid4()).encode()) < CURSOR_MAX_LENGTH
    with pytest.raises(InvalidCursor):
        Cursor.decode("A" * (CURSOR_MAX_LENGTH + 1))


def test_next_cursor_names_the_last_item_of_a_full_page():
    rows = [(MOMENT, 3), (MOMENT, 2), (MOMENT, 1)]
    assert next_cursor(rows, 3, lambda r: r[0], lambda r: r[1]) is None
    after = next_cursor(rows, 2, lambda r: r[0], lambda r: r[1])
    assert after is not None and Cursor.decode(after) == Cursor(MOMENT, 2)
