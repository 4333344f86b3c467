"""Dependencies of the auth routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from auth_service.auth.service import TokenService
from saaskit.security.keys import KeySet
from saaskit.security.passwords import PasswordService


def get_passwords(request: Request) -> PasswordService:
    return request.app.state.passwords


def get_token_service(request: Request) -> TokenService:
    return request.app.state.tokens


def get_keys(request: Request) -> KeySet:
    return request.app.state.keys


PasswordsDep = Annotated[PasswordService, Depends(get_passwords)]
TokensDep = Annotated[TokenService, Depends(get_token_service)]
KeysDep = Annotated[KeySet, Depends(get_keys)]
