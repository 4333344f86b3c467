from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower

from admin_service.accounts.models import User
from saaskit.problems import not_found


def user_by_login(login: str) -> User | None:
    """Username or email, case-insensitively (the lower() unique indexes serve it)."""
    login = login.strip().lower()
    return (
        User.objects.annotate(username_lower=Lower("username"), email_lower=Lower("email"))
        .filter(Q(username_lower=login) | Q(email_lower=login))
        .only("id", "password_hash", "is_active")
        .first()
    )


def taken_fields(email: str, username: str) -> set[str]:
    rows = (
        User.objects.annotate(username_lower=Lower("username"), email_lower=Lower("email"))
        .filter(Q(email_lower=email) | Q(username_lower=username.lower()))
        .values_list("email_lower", "username_lower")
    )
    taken = set()
    for email_lower, username_lower in rows:
        if email_lower == email:
            taken.add("email")
        if username_lower == username.lower():
            taken.add("username")
    return taken


def get_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise not_found("user")
    return user


def active_user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()
