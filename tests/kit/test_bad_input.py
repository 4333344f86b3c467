"""saaskit.bad_input and saaskit.openapi: the shared rules, without a server."""

from __future__ import annotations

import re

import pytest

from saaskit.accounts.validation import EMAIL_PATTERN, PASSWORD_PATTERN, email_domain_problem, password_weakness
from saaskit.bad_input import MAX_JSON_DEPTH, MAX_QUERY_BYTES, inspect_form, inspect_json, inspect_query
from saaskit.openapi import complete_document


@pytest.mark.parametrize(
    "body, status",
    [
        (b'{"title": "t"}', None),
        (b"", None),  # the handler's own "field required"
        (b'{"title": ', 400),
        (b'"\xff"', 400),
        (b'["\\ud800"]', 400),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), 400),
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, None),
        (b'{"a": ["x", "y\\u0000"]}', 422),
    ],
)
def test_json_bodies(body, status):
    err = inspect_json(body)
    assert (err.status if err else None) == status


def test_a_nul_names_where_it_is():
    err = inspect_json(b'{"a": [{"b": "x"}, {"c": "\\u0000"}]}')
    assert err.errors == [{"loc": ["body", "a", 1, "c"], "msg": "must not contain a NUL character"}]


@pytest.mark.parametrize(
    "raw, status, loc",
    [
        (b"q=abc&limit=5", None, None),
        (b"q=%C3%A9", None, None),
        (b"q=%ff", 400, None),
        (b"q=a%00", 422, ["query", "q"]),
        (b"%00=1", None, None),  # names nothing reads
        (b"limit=1&limit=2", 422, ["query", "limit"]),
        (b"q=" + b"a" * MAX_QUERY_BYTES, 400, None),
    ],
)
def test_query_strings(raw, status, loc):
    err = inspect_query(raw)
    assert (err.status if err else None) == status
    if loc:
        assert err.errors[0]["loc"] == loc


def test_forms():
    assert inspect_form(b"username=a%00&password=x").errors[0]["loc"] == ["body", "username"]
    assert inspect_form(b"username=a&password=x") is None


@pytest.mark.parametrize("password", ["correct horse 9", "abcdefg1", "ünïcödé9", "short1", "abcdefgh", "12345678"])
def test_the_documented_password_rule_is_the_enforced_one(password):
    assert (re.match(PASSWORD_PATTERN, password) is not None and len(password) >= 8) == (
        password_weakness(password) is None
    )


@pytest.mark.parametrize("email", ["a@example.com", "a@b.test", "a@B.TEST", "a@x.local", "a@localhost"])
def test_the_documented_email_rule_is_the_enforced_one(email):
    assert (re.match(EMAIL_PATTERN, email) is not None) == (email_domain_problem(email) is None)


def test_the_document_gains_the_shared_answers():
    document = {
        "paths": {
            "/things": {
                "post": {
                    "security": [{"HTTPBearer": []}],
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
                    "responses": {"201": {}, "422": {"content": {"application/json": {}}}},
                },
                "get": {"parameters": [{"in": "query", "name": "cursor", "schema": {"type": "string"}}],
                        "responses": {"200": {}}},
            }
        },
        "components": {"schemas": {"In": {"type": "object", "properties": {
            "title": {"type": "string"}, "password": {"type": "string"}}}}},
    }
    complete_document(document)
    post = document["paths"]["/things"]["post"]
    assert {"400", "401", "413", "414", "422"} <= set(post["responses"])
    assert list(post["responses"]["422"]["content"]) == ["application/problem+json"]
    assert post["responses"]["401"]["headers"]["WWW-Authenticate"]
    fields = document["components"]["schemas"]["In"]["properties"]
    assert re.match(fields["title"]["pattern"], "a\x00") is None
    assert fields["password"]["minLength"] == 8
    get = document["paths"]["/things"]["get"]
    assert get["parameters"][0]["schema"]["format"] == "cursor"
    assert "422" in get["responses"] and "413" not in get["responses"]
