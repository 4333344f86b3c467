"""OpenAPI documentation of the problem+json answers every route may give."""

PROBLEM = {"content": {"application/problem+json": {}}}

PROBLEM_RESPONSES = {
    401: {"description": "missing or invalid access token", **PROBLEM},
    422: {"description": "invalid input", **PROBLEM},
    503: {"description": "a dependency is unavailable; retry after `Retry-After`", **PROBLEM},
}
# Only routes with an id in the path can answer 404.
NOT_FOUND = {404: {"description": "not found (or somebody else's)", **PROBLEM}}
PROBLEM_RESPONSES_WITH_ID = {**PROBLEM_RESPONSES, **NOT_FOUND}
