from django.contrib import admin
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html

from admin_service.api.admin_base import TableAdmin
from admin_service.files import services
from admin_service.files.downloads import download_response
from admin_service.files.models import File
from saaskit.storage import ObjectNotFound


@admin.register(File)
class FileAdmin(TableAdmin):
    list_display = (
        "id",
        "filename",
        "owner",
        "content_type",
        "size",
        "status",
        "created_at",
        "download",
    )
    list_filter = ("status", "content_type")
    list_select_related = ("owner",)
    search_fields = ("filename", "owner__username")
    raw_id_fields = ("owner",)
    readonly_fields = (
        "id",
        "size",
        "sha256",
        "upload_sha256",
        "storage_key",
        "thumbnail_key",
        "created_at",
        "updated_at",
        "download",
    )
    actions = ("reprocess",)

    @admin.display(description="download")
    def download(self, obj: File) -> str:
        url = reverse("admin:files_file_download", args=[obj.pk])
        return format_html('<a href="{}">download</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        return [
            path("<uuid:file_id>/download/", view, name="files_file_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, file_id):
        """Staff download: the same answer as the API's download."""
        file = File.objects.filter(pk=file_id).first()
        if file is None:
            raise Http404("no such file")
        try:
            return download_response(file)
        except ObjectNotFound:
            raise Http404("the object is missing") from None

    @admin.action(description="Reprocess: check the selected files again (back to pending)")
    def reprocess(self, request, queryset):
        self.queue_each(request, queryset, services.reprocess, "{} file(s) queued for processing.")
