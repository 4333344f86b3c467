"""The two routes' path and query parameters, checked as the FastAPI reference checks
them: by pydantic, with the same bounds (a BIGINT id >= 1, ``saaskit.db.overview``'s
limits), every error of the path and the query together in one 422, in pydantic's words.

The shipped Django service checks the same bounds with DRF and words its 422s DRF's way
("A valid integer is required.") and stops at a bad path before the query; the
comparison holds every variant to the reference's exact answer
(``tests/bench/test_variants.py``), so the variants check their input the FastAPI way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, TypeVar

from pydantic import BaseModel, Field, ValidationError

from admin_service.api.exceptions import VALIDATION_DETAIL
from admin_service.api.serializers import BIGINT_MAX
from saaskit.db.overview import COMMENTS_LIMIT, POSTS_LIMIT
from saaskit.problems import ProblemError

_Posts = Annotated[int, Field(ge=POSTS_LIMIT[0], le=POSTS_LIMIT[1])]
_Comments = Annotated[int, Field(ge=COMMENTS_LIMIT[0], le=COMMENTS_LIMIT[1])]


class UserParams(BaseModel):
    id: Annotated[int, Field(ge=1, le=BIGINT_MAX)]


class OverviewParams(UserParams):
    posts_limit: _Posts = POSTS_LIMIT[2]
    comments_limit: _Comments = COMMENTS_LIMIT[2]


Params = TypeVar("Params", bound=UserParams)


def _checked(model: type[Params], raw_id: str, query: Mapping[str, str]) -> Params:
    fields = {name: query[name] for name in model.model_fields if name != "id" and name in query}
    try:
        return model.model_validate({"id": raw_id, **fields})
    except ValidationError as exc:
        errors = [
            {"loc": ["path" if e["loc"][0] == "id" else "query", *e["loc"]], "msg": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise ProblemError(
            422, VALIDATION_DETAIL, title="Unprocessable Content", errors=errors
        ) from None


def user_params(raw_id: str) -> UserParams:
    return _checked(UserParams, raw_id, {})


def overview_params(raw_id: str, query: Mapping[str, str]) -> OverviewParams:
    """``query``: the request's query string as a dict (the last value of a repeated name)."""
    return _checked(OverviewParams, raw_id, query)
