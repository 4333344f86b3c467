"""Request and response bodies of the auth API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from saaskit.accounts.limits import EMAIL_MAX, FULL_NAME_MAX, PASSWORD_MAX, USERNAME_PATTERN
from saaskit.accounts.validation import normalize_email, password_weakness
from saaskit.security.account_tokens import TOKEN_MAX
from saaskit.web.types import Timestamp


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=EMAIL_MAX)
    username: str = Field(pattern=USERNAME_PATTERN, examples=["ada_l"])
    password: str = Field(max_length=PASSWORD_MAX, examples=["correct horse 9"])
    full_name: str | None = Field(None, max_length=FULL_NAME_MAX)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return normalize_email(value)

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        if reason := password_weakness(value):
            raise ValueError(reason)
        return value


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


class Me(BaseModel):
    id: int
    email: str
    username: str
    full_name: str | None
    is_active: bool
    email_verified: bool
    created_at: Timestamp


def _strong(value: str) -> str:
    if reason := password_weakness(value):
        raise ValueError(reason)
    return value


class TokenIn(BaseModel):
    """A token from a mailed link."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=TOKEN_MAX)


class PasswordResetRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=EMAIL_MAX)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return normalize_email(value)


class PasswordResetConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=TOKEN_MAX)
    new_password: str = Field(max_length=PASSWORD_MAX, examples=["correct horse 10"])

    _new_strong = field_validator("new_password")(_strong)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: str = Field(max_length=PASSWORD_MAX, examples=["correct horse 10"])

    _new_strong = field_validator("new_password")(_strong)


class Accepted(BaseModel):
    detail: str


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class JWK(BaseModel):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class JWKS(BaseModel):
    keys: list[JWK]
