from django.urls import path

from admin_service.accounts import apis

urlpatterns = [
    path("auth/register", apis.RegisterApi.as_view()),
    path("auth/token", apis.TokenApi.as_view()),
    path("auth/refresh", apis.RefreshApi.as_view()),
    path("auth/logout", apis.LogoutApi.as_view()),
    path("auth/me", apis.MeApi.as_view()),
    path("auth/verify-email/request", apis.VerifyEmailRequestApi.as_view()),
    path("auth/verify-email/confirm", apis.VerifyEmailConfirmApi.as_view()),
    path("auth/password-reset/request", apis.PasswordResetRequestApi.as_view()),
    path("auth/password-reset/confirm", apis.PasswordResetConfirmApi.as_view()),
    path("auth/password/change", apis.PasswordChangeApi.as_view()),
    path(".well-known/jwks.json", apis.JwksApi.as_view()),
    path("users/<id>", apis.UserDetailApi.as_view()),
]
