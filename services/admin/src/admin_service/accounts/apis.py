"""The auth API (/auth/*, /.well-known/jwks.json) and GET /users/{id}."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from admin_service import runtime
from admin_service.accounts import lifecycle, selectors, services
from admin_service.api import throttling
from admin_service.api.serializers import (
    StrictCharField,
    StrictSerializer,
    TimestampField,
    parse_body,
    parse_id,
)
from saaskit.accounts import limits as account_limits
from saaskit.accounts.problems import RESET_REQUESTED, VERIFICATION_REQUESTED
from saaskit.accounts.validation import email_domain_problem, normalize_email, password_weakness
from saaskit.problems import unauthorized
from saaskit.ratelimit import account_key
from saaskit.security.account_tokens import TOKEN_MAX


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    username = serializers.CharField()
    full_name = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()
    email_verified = serializers.BooleanField()
    created_at = TimestampField()


class UserPublicOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField(allow_null=True)
    created_at = TimestampField()


class TokenPairOutput(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField()


class RefreshInput(StrictSerializer):
    refresh_token = StrictCharField(min_length=1, max_length=512)


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class ThrottledApi(PublicApi):
    """A login-like route: the client address's budget is spent before anything else."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        throttling.spend_address(request)


class RegisterApi(ThrottledApi):
    class InputSerializer(StrictSerializer):
        email = serializers.EmailField(max_length=account_limits.EMAIL_MAX)
        username = serializers.RegexField(account_limits.USERNAME_PATTERN)
        password = StrictCharField(max_length=account_limits.PASSWORD_MAX)
        full_name = StrictCharField(
            max_length=account_limits.FULL_NAME_MAX, required=False, allow_null=True, allow_blank=True
        )

        def validate_email(self, value: str) -> str:
            if reason := email_domain_problem(value):  # as FastAPI's EmailStr
                raise serializers.ValidationError(reason)
            return normalize_email(value)

        def validate_password(self, value: str) -> str:
            if reason := password_weakness(value):
                raise serializers.ValidationError(reason)
            return value

    @extend_schema(
        request=InputSerializer,
        responses={201: MeOutput, 409: None, 422: None, 429: None},
        operation_id="register",
    )
    def post(self, request):
        data = parse_body(self.InputSerializer, request)
        user = services.register(
            email=data["email"],
            username=data["username"],
            password=data["password"],
            full_name=data.get("full_name"),
        )
        user.refresh_from_db(fields=["is_active", "email_verified", "created_at"])
        return Response(MeOutput(user).data, status=status.HTTP_201_CREATED)


class TokenApi(ThrottledApi):
    """OAuth2 password flow: form fields ``username`` (or the email) and ``password``."""

    parser_classes = [FormParser, MultiPartParser]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(trim_whitespace=False)
        password = serializers.CharField(trim_whitespace=False)
        grant_type = serializers.RegexField(r"^password$", required=False, allow_null=True)
        scope = serializers.CharField(required=False, allow_blank=True, default="")
        client_id = serializers.CharField(required=False, allow_null=True)
        client_secret = serializers.CharField(required=False, allow_null=True)

    @extend_schema(
        request=InputSerializer,
        responses={200: TokenPairOutput, 401: None, 422: None, 429: None},
        operation_id="token",
    )
    def post(self, request):
        data = parse_body(self.InputSerializer, request)
        user_id = services.authenticate(data["username"], data["password"])
        return Response(services.start_family(user_id))


class RefreshApi(ThrottledApi):
    @extend_schema(
        request=RefreshInput,
        responses={200: TokenPairOutput, 401: None, 422: None, 429: None},
        operation_id="refresh",
    )
    def post(self, request):
        data = parse_body(RefreshInput, request)
        return Response(services.rotate(data["refresh_token"]))


class LogoutApi(APIView):
    @extend_schema(
        request=RefreshInput, responses={204: None, 401: None, 422: None}, operation_id="logout"
    )
    def post(self, request):
        data = parse_body(RefreshInput, request)
        services.logout(request.user.id, data["refresh_token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses={200: MeOutput, 401: None}, operation_id="me")
    def get(self, request):
        user = selectors.active_user(request.user.id)
        if user is None:
            raise unauthorized()
        return Response(MeOutput(user).data)


class JwksApi(PublicApi):
    @extend_schema(responses={200: dict}, operation_id="jwks")
    def get(self, request):
        return Response(runtime.keys().jwks(), headers={"Cache-Control": "public, max-age=300"})


class UserDetailApi(APIView):
    @extend_schema(responses={200: UserPublicOutput, 404: None}, operation_id="get_user")
    def get(self, request, id):
        return Response(UserPublicOutput(selectors.get_user(parse_id(id))).data)


class AcceptedOutput(serializers.Serializer):
    detail = serializers.CharField()


def _strong(value: str) -> str:
    if reason := password_weakness(value):
        raise serializers.ValidationError(reason)
    return value


class LinkTokenInput(StrictSerializer):
    token = StrictCharField(min_length=1, max_length=TOKEN_MAX)


class VerifyEmailRequestApi(APIView):
    """Throttled like login: the address first (before authentication, as on FastAPI),
    then the account."""

    def initial(self, request, *args, **kwargs):
        throttling.spend_address(request)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={202: AcceptedOutput, 401: None, 429: None},
        operation_id="verify_email_request",
    )
    def post(self, request):
        runtime.login_limiter().spend_account(account_key("verify", str(request.user.id)))
        lifecycle.request_verification(request.user.id)
        return Response(VERIFICATION_REQUESTED, status=status.HTTP_202_ACCEPTED)


class VerifyEmailConfirmApi(PublicApi):
    @extend_schema(
        request=LinkTokenInput,
        responses={204: None, 400: None, 422: None},
        operation_id="verify_email_confirm",
    )
    def post(self, request):
        data = parse_body(LinkTokenInput, request)
        lifecycle.confirm_verification(data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetRequestApi(ThrottledApi):
    class InputSerializer(StrictSerializer):
        email = serializers.EmailField(max_length=account_limits.EMAIL_MAX)

        def validate_email(self, value: str) -> str:
            if reason := email_domain_problem(value):  # as FastAPI's EmailStr
                raise serializers.ValidationError(reason)
            return normalize_email(value)

    @extend_schema(
        request=InputSerializer,
        responses={202: AcceptedOutput, 422: None, 429: None},
        operation_id="password_reset_request",
    )
    def post(self, request):
        data = parse_body(self.InputSerializer, request)
        runtime.login_limiter().spend_account(account_key("reset", data["email"]))
        lifecycle.request_reset(data["email"])
        return Response(RESET_REQUESTED, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(PublicApi):
    class InputSerializer(StrictSerializer):
        token = StrictCharField(min_length=1, max_length=TOKEN_MAX)
        new_password = StrictCharField(max_length=account_limits.PASSWORD_MAX)

        def validate_new_password(self, value: str) -> str:
            return _strong(value)

    @extend_schema(
        request=InputSerializer,
        responses={204: None, 400: None, 422: None},
        operation_id="password_reset_confirm",
    )
    def post(self, request):
        data = parse_body(self.InputSerializer, request)
        lifecycle.confirm_reset(data["token"], data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    """Throttled like login: the address first (before authentication, as on FastAPI),
    then the account's failure budget (``lifecycle.change_password``)."""

    def initial(self, request, *args, **kwargs):
        throttling.spend_address(request)
        super().initial(request, *args, **kwargs)

    class InputSerializer(StrictSerializer):
        current_password = StrictCharField(min_length=1, max_length=account_limits.PASSWORD_MAX)
        new_password = StrictCharField(max_length=account_limits.PASSWORD_MAX)

        def validate_new_password(self, value: str) -> str:
            return _strong(value)

    @extend_schema(
        request=InputSerializer,
        responses={204: None, 400: None, 401: None, 422: None, 429: None},
        operation_id="password_change",
    )
    def post(self, request):
        data = parse_body(self.InputSerializer, request)
        lifecycle.change_password(request.user.id, data["current_password"], data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
