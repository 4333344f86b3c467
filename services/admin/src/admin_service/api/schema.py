"""How drf-spectacular describes this API, so the document is built without a warning
(``spectacular --fail-on-warn``, also run by ``check --deploy``) and says what the
FastAPI services' documents say:

- the bearer token is the security scheme ``HTTPBearer`` (the FastAPI name), declared
  on exactly the operations whose view authenticates, and those document their 401;
- the path ``{id}`` is an integer, or a UUID where the view says so
  (``path_id_type``), without changing the URL converters (a bad id stays a 422);
- nested ``InputSerializer`` classes are named after their view (``RegisterApi`` ->
  ``RegisterInput``), so no two components share a name.

Imported by ``ApiConfig.ready`` so the extension is registered before any schema.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter

from admin_service.api.serializers import BIGINT_MAX, StrictSerializer
from saaskit import openapi
from saaskit.settings import get_settings

SCHEME = "HTTPBearer"
UNAUTHORIZED = {
    "description": "missing or invalid access token",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    "content": {"application/problem+json": {"schema": {"type": "object"}}},
}


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "admin_service.api.authentication.BearerAuthentication"
    name = SCHEME

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An access token from POST /auth/token"}


# An integer id is 1..2^63-1 (BIGINT), as FastAPI's ``Path(ge=1, le=BIGINT_MAX)`` says:
# anything else is 422, so the document must not call it valid.
INT_ID = {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if "{id}" in self.path:
            id_type = getattr(self.view, "path_id_type", INT_ID)
            parameters = [OpenApiParameter("id", id_type, OpenApiParameter.PATH), *parameters]
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if isinstance(serializer, StrictSerializer):  # unknown fields are 422
            schema["additionalProperties"] = False
        return schema

    def get_serializer_name(self, serializer, direction):
        owner, _, name = type(serializer).__qualname__.rpartition(".")
        if owner and name == "InputSerializer":
            return owner.removesuffix("Api") + "Input"
        return super().get_serializer_name(serializer, direction)

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        security = operation.get("security", [])
        if any(SCHEME in requirement for requirement in security):
            operation["responses"]["401"] = UNAUTHORIZED
        elif security == [{}]:  # a public route: no requirement, as FastAPI writes it
            del operation["security"]
        return operation


def complete_document(result, generator, request, public):
    """drf-spectacular post-processing hook: ``saaskit.openapi.complete_document``, with
    the upload allow-list as what the download route serves."""
    return openapi.complete_document(result, get_settings().allowed_content_types)
