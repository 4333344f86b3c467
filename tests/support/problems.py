"""The one check that an answer is the contract's error: RFC 9457 problem+json with
exactly the keys ``saaskit.problems`` writes (``errors`` on 422 and only there), the
status in the body equal to the HTTP status, and a Bearer challenge on 401. Every suite
uses it, so a service that drifts from the one error shape fails everywhere alike."""

from __future__ import annotations

import httpx

from saaskit.problems import PROBLEM_JSON

PROBLEM_TYPES = {"type": str, "title": str, "status": int, "detail": str}


def assert_problem(response: httpx.Response, status: int, what: str = "") -> dict:
    """``response`` is a problem of ``status``; returns its body. ``what`` names the
    request in the failure message where one test makes several."""
    assert response.status_code == status, (what, response.status_code, response.text)
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM_JSON, (
        what, response.headers["content-type"])
    body = response.json()
    expected = {**PROBLEM_TYPES, "errors": list} if status == 422 else PROBLEM_TYPES
    assert set(body) == set(expected), (what, sorted(body))
    wrong = {k: body[k] for k, kind in expected.items() if type(body[k]) is not kind}  # no bool for int
    assert not wrong, (what, f"values of the wrong type: {wrong}")
    assert body["status"] == status and body["title"] and body["detail"], (what, body)
    if status == 401:
        assert response.headers["www-authenticate"].lower().startswith("bearer"), what
    return body
