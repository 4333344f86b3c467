"""The problem+json answers the resources routes document: the kit's, written once for
every FastAPI service (``saaskit.web.problem_docs``), under the routers' names."""

from __future__ import annotations

from saaskit.web.problem_docs import COMMON as PROBLEM_RESPONSES
from saaskit.web.problem_docs import COMMON_WITH_ID as PROBLEM_RESPONSES_WITH_ID
from saaskit.web.problem_docs import NOT_FOUND

__all__ = ["NOT_FOUND", "PROBLEM_RESPONSES", "PROBLEM_RESPONSES_WITH_ID"]
