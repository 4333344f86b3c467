"""405 for a method the matched view does not implement, before authentication.

Invariant (contract, "Conventions"): a method a path does not serve is 405 with an
``Allow`` header listing those it does, whoever asks, as on the FastAPI services, where
routing answers before any dependency runs. DRF authenticates and checks permissions
before it looks for the handler, so without this an anonymous ``PUT /posts`` (or any
invented method) was 401 on Django and 405 on FastAPI.
"""

from __future__ import annotations

from admin_service.api.exceptions import problem_response
from saaskit.problems import problem

_ALWAYS = frozenset({"OPTIONS"})


class MethodNotAllowedMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        if view_class is None or request.method in _ALWAYS:
            return None
        allowed = [
            method.upper() for method in view_class.http_method_names if hasattr(view_class, method)
        ]
        if request.method.lower() in view_class.http_method_names and hasattr(
            view_class, request.method.lower()
        ):
            return None
        response = problem_response(problem(405, "Method Not Allowed"))
        response["Allow"] = ", ".join(allowed)
        return response
