"""The two stacks as one system: shared tokens, shared data, comparable documents."""

from __future__ import annotations

import re

import httpx

from tests.contract.stacks import Stack
from tests.support.api import new_account


def test_a_token_from_either_stack_works_on_the_other(fastapi: Stack, django: Stack):
    for issuer, verifier in ((fastapi, django), (django, fastapi)):
        account = new_account(issuer.auth)
        me = verifier.get("/auth/me", headers=account.headers)
        assert me.status_code == 200 and me.json()["id"] == account.id
        post = verifier.post("/posts", json={"title": "cross"}, headers=account.headers)
        assert post.status_code == 201
        # ... and the post written by one is read by the other.
        assert (
            issuer.get(f"/posts/{post.json()['id']}", headers=account.headers).json() == post.json()
        )
        # Refresh tokens rotate across stacks too.
        refreshed = verifier.post("/auth/refresh", json={"refresh_token": account.refresh_token})
        assert refreshed.status_code == 200
        reuse = issuer.post("/auth/refresh", json={"refresh_token": account.refresh_token})
        assert reuse.status_code == 401


def test_both_stacks_make_the_same_cursors(fastapi: Stack, django: Stack):
    account = new_account(fastapi.auth)
    for i in range(3):
        fastapi.post("/posts", json={"title": f"c{i}"}, headers=account.headers)
    params = {"author_id": account.id, "limit": 2}
    pages = [
        s.get("/posts", params=params, headers=account.headers).json() for s in (fastapi, django)
    ]
    assert pages[0] == pages[1] and pages[0]["next_cursor"]


def test_both_stacks_answer_the_overview_with_the_same_bytes(fastapi: Stack, django: Stack):
    author, commenter = new_account(fastapi.auth), new_account(fastapi.auth)
    posts = [
        fastapi.post("/posts", json={"title": f"o{i}", "body": "b"}, headers=author.headers).json()
        for i in range(3)
    ]
    for post in posts[:2]:
        for i in range(3):
            django.post(f"/posts/{post['id']}/comments", json={"body": f"c{i}"},
                        headers=commenter.headers)
    for params in ({}, {"posts_limit": 2, "comments_limit": 1}):
        answers = [
            s.get(f"/users/{author.id}/overview", params=params, headers=commenter.headers)
            for s in (fastapi, django)
        ]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].content == answers[1].content
        assert answers[0].json()["posts"][0]["comments"] == []  # the newest has none


def _operations(document: dict) -> dict[tuple[str, str], set[str]]:
    """(path, method) -> documented status codes; parameter names do not matter."""
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (re.sub(r"\{[^}]+\}", "{}", path), method): {
            code for code in op.get("responses", {}) if code != "default"
        }
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in methods
    }


def _fastapi_document(fastapi: Stack) -> dict:
    paths: dict = {}
    for url in set(fastapi.urls.values()):
        paths.update(httpx.get(f"{url}/openapi.json").json()["paths"])
    return {"paths": paths}


def test_openapi_documents_list_the_same_operations_and_statuses(fastapi: Stack, django: Stack):
    ours = _operations(httpx.get(f"{django.auth}/openapi.json").json())
    theirs = _operations(_fastapi_document(fastapi))
    assert set(ours) == set(theirs)
    # Compare the answers the contract names for each operation (FastAPI adds 422 to
    # every operation with parameters, and shared 401/503 answers per router).
    named = {"200", "201", "202", "204", "307", "400", "404", "409", "413", "415", "429"}

    def codes(documented):
        return sorted(documented & named)

    differing = {op: (codes(ours[op]), codes(theirs[op])) for op in ours}
    assert not {op: pair for op, pair in differing.items() if pair[0] != pair[1]}


def _security(paths: dict) -> dict[tuple[str, str], list]:
    """(path, method) -> the operation's security requirements ([] for a public one)."""
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (re.sub(r"\{[^}]+\}", "{}", path), method): op.get("security", [])
        for path, item in paths.items()
        for method, op in item.items()
        if method in methods
    }


def test_openapi_documents_ask_for_the_same_bearer_token_on_the_same_operations(fastapi: Stack, django: Stack):
    ours = httpx.get(f"{django.auth}/openapi.json").json()
    theirs = [httpx.get(f"{url}/openapi.json").json() for url in set(fastapi.urls.values())]
    schemes = {"HTTPBearer": {"type": "http", "scheme": "bearer"}}
    for document in (ours, *theirs):
        declared = document["components"]["securitySchemes"]
        assert {name: {k: s[k] for k in ("type", "scheme")} for name, s in declared.items()} == schemes
    fastapi_security = _security(_fastapi_document(fastapi)["paths"])
    assert _security(ours["paths"]) == fastapi_security
    secured = [op for op, security in fastapi_security.items() if security]
    assert secured and all(fastapi_security[op] == [{"HTTPBearer": []}] for op in secured)
    # Where the Django twin asks for a token, it documents the 401 too.
    for path, item in ours["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("security"):
                assert "401" in op["responses"], (path, method)
