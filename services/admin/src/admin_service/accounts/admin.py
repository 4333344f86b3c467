from django.contrib import admin, messages

from admin_service.accounts import lifecycle, services
from admin_service.accounts.models import RefreshToken, User
from admin_service.api.admin_base import TableAdmin


@admin.register(User)
class UserAdmin(TableAdmin):
    list_display = (
        "id", "username", "email", "full_name", "is_active", "email_verified", "created_at",
    )
    list_filter = ("is_active", "email_verified", "created_at")
    search_fields = ("username", "email", "full_name")
    readonly_fields = ("password_hash", "email_verified", "created_at", "updated_at")
    ordering = ("-created_at", "-id")
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow
    actions = ("deactivate", "force_logout", "resend_verification")

    @admin.action(description="Deactivate the selected users (and log them out)")
    def deactivate(self, request, queryset):
        ids = list(queryset.values_list("id", flat=True))
        count = services.deactivate(ids)
        services.force_logout(ids)
        self.message_user(request, f"{count} user(s) deactivated.", messages.SUCCESS)

    @admin.action(description="Force logout: revoke every refresh token of the selected users")
    def force_logout(self, request, queryset):
        count = services.force_logout(list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"{count} refresh token(s) revoked.", messages.SUCCESS)

    @admin.action(description="Resend the verification email (to the unverified, active ones)")
    def resend_verification(self, request, queryset):
        count = lifecycle.resend_verification(list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"{count} verification email(s) queued.", messages.SUCCESS)


@admin.register(RefreshToken)
class RefreshTokenAdmin(TableAdmin):
    list_display = ("id", "user", "family_id", "created_at", "expires_at", "used_at", "revoked_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "family_id")
    raw_id_fields = ("user",)
    readonly_fields = ("token_hash",)
