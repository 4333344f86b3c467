from django.contrib import admin

from admin_service.api.admin_base import TableAdmin
from admin_service.jobs import services
from admin_service.jobs.models import EmailOutbox, Job


@admin.register(Job)
class JobAdmin(TableAdmin):
    list_display = (
        "id",
        "type",
        "status",
        "owner",
        "attempts",
        "created_at",
        "finished_at",
        "error",
    )
    list_filter = ("status", "type")
    list_select_related = ("owner",)
    search_fields = ("owner__username", "error")
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "started_at", "finished_at", "attempts")
    actions = ("retry",)

    @admin.action(description="Retry: queue the selected jobs again")
    def retry(self, request, queryset):
        self.queue_each(request, queryset, services.requeue, "{} job(s) queued again.")


@admin.register(EmailOutbox)
class EmailOutboxAdmin(TableAdmin):
    list_display = ("id", "to_address", "subject", "created_at", "sent_at")
    search_fields = ("to_address", "subject")
    raw_id_fields = ("job",)
    readonly_fields = ("created_at",)
