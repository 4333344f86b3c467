"""Serializer building blocks that make DRF validate like the FastAPI (pydantic) side:
unknown fields refused, strings never coerced from numbers, RFC 3339 timestamps,
and input errors raised as 422 with their location (body, query or path)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from admin_service.api.exceptions import RequestInvalid, validation_problem
from saaskit.pagination import (
    BIGINT_MAX,
    DEFAULT_LIMIT,
    INVALID_CURSOR,
    MAX_LIMIT,
    Cursor,
    InvalidCursor,
)
from saaskit.timeutil import rfc3339


class StrictSerializer(serializers.Serializer):
    """A request body: a JSON object with known fields only (no mass assignment)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Extra inputs are not permitted"] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string, as given: no coercion from numbers, no whitespace trimming."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TimestampField(serializers.DateTimeField):
    """RFC 3339, UTC, microseconds, ``Z``: the contract's one timestamp format."""

    def to_representation(self, value):
        return rfc3339(value)


@extend_schema_field(OpenApiTypes.STR)
class CursorField(serializers.Field):
    """The opaque ``next_cursor`` of a previous page: length, encoding and id bounds are
    ``saaskit.pagination.Cursor.decode``'s, as on the FastAPI side."""

    def __init__(self, id_type: type = int, **kwargs: Any) -> None:
        self.id_type = id_type
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Cursor:
        if not isinstance(data, str):
            raise serializers.ValidationError(INVALID_CURSOR)
        try:
            return Cursor.decode(data, id_type=self.id_type)
        except InvalidCursor as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value: Cursor) -> str:
        return value.encode()


# pydantic's words for a bad integer, as the FastAPI twin answers (DRF says "A valid
# integer is required." and "Ensure this value is ..."): the 422 bodies are identical.
NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"


class IntegerField(serializers.IntegerField):
    """An integer query parameter whose 422 messages are pydantic's."""

    default_error_messages = {
        "invalid": NOT_AN_INTEGER,
        "max_value": "Input should be less than or equal to {max_value}",
        "min_value": "Input should be greater than or equal to {min_value}",
        "max_string_length": NOT_AN_INTEGER,
    }


class PageQuery(serializers.Serializer):
    """``?limit=`` and ``?cursor=`` of every list."""

    limit = IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
    cursor = CursorField()


class FilePageQuery(PageQuery):
    cursor = CursorField(id_type=uuid.UUID)


def parse(serializer_class: type[serializers.Serializer], data: Any, location: str) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise RequestInvalid(serializer.errors, location)
    return serializer.validated_data


def parse_body(serializer_class: type[serializers.Serializer], request) -> dict:
    return parse(serializer_class, request.data, "body")


def parse_query(serializer_class: type[serializers.Serializer], request) -> dict:
    # A plain dict: DRF reads an empty value in a QueryDict as absent (so ``?limit=``
    # took the default) where FastAPI, and the document, call it not an integer.
    return parse(serializer_class, request.query_params.dict(), "query")


def parse_id(value: str, name: str = "id", id_type: type = int) -> Any:
    """A path parameter, validated like FastAPI does (422, loc ["path", name])."""
    try:
        parsed = id_type(value)
    except (TypeError, ValueError):
        message = NOT_AN_INTEGER if id_type is int else "Input should be a valid UUID"
        raise RequestInvalid({name: [message]}, "path") from None
    if id_type is int and parsed < 1:
        raise RequestInvalid({name: ["Input should be greater than or equal to 1"]}, "path")
    if id_type is int and parsed > BIGINT_MAX:
        raise RequestInvalid(
            {name: [f"Input should be less than or equal to {BIGINT_MAX}"]}, "path"
        )
    return parsed


P = TypeVar("P")
Q = TypeVar("Q")


def parse_together(path: Callable[[], P], query: Callable[[], Q]) -> tuple[P, Q]:
    """Both parameter groups checked; one 422 with every error, path first, as FastAPI
    reports a bad id and a bad limit in the same answer."""
    errors: list[dict[str, Any]] = []

    def attempt(parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except RequestInvalid as exc:
            errors.extend(validation_problem(exc.detail, exc.location).errors or [])
            return None

    parsed = attempt(path), attempt(query)
    if errors:
        problem = validation_problem({}, "path")
        problem.errors = errors
        raise problem
    return cast(tuple[P, Q], parsed)
