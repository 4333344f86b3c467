"""POST/GET /files, GET/DELETE /files/{id}, GET /files/{id}/download."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from admin_service import runtime
from admin_service.api.pagination import page_body
from admin_service.api.serializers import FilePageQuery, TimestampField, parse_query
from admin_service.api.writers import lock_active_user
from admin_service.files import selectors, services
from admin_service.files.downloads import download_response
from admin_service.files.upload import CheckedUploadHandler
from admin_service.inflight import hold_slot
from saaskit.files.problems import file_not_found, missing_file_part, not_multipart
from saaskit.files.uploads import FIELD, check_declared_length
from saaskit.metrics import UploadMetrics
from saaskit.storage import ObjectNotFound

UPLOADS = UploadMetrics("admin", "django")


class FileOutput(serializers.Serializer):
    id = serializers.UUIDField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    created_at = TimestampField()


class FilePage(serializers.Serializer):
    items = FileOutput(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class FileListCreateApi(APIView):
    parser_classes = [MultiPartParser]

    class UploadSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(
        parameters=[FilePageQuery], responses={200: FilePage, 422: None}, operation_id="list_files"
    )
    def get(self, request):
        query = parse_query(FilePageQuery, request)
        items, cursor = selectors.list_files(
            request.user.id, limit=query["limit"], cursor=query.get("cursor")
        )
        return Response(page_body(FileOutput.many_init(items).data, cursor))

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: FileOutput, 413: None, 415: None, 422: None},
        operation_id="upload_file",
    )
    def post(self, request):
        settings = runtime.app_settings()
        if not request.content_type.startswith("multipart/form-data"):
            raise not_multipart()
        check_declared_length(request.META.get("CONTENT_LENGTH"), settings.max_upload_bytes)
        handler = CheckedUploadHandler(
            request._request, settings.max_upload_bytes, settings.allowed_content_types
        )
        request._request.upload_handlers = [handler]
        upload = request.FILES.get(FIELD)
        if upload is None:
            raise missing_file_part()
        # The body is in (its read had no slot and a deadline: admin_service.inflight);
        # the database work that follows takes this request's in-flight slot.
        hold_slot(request._request.META)
        file = services.store_upload(request.user.id, upload, handler)
        UPLOADS.observe(file.size)
        file.refresh_from_db(fields=["status", "created_at", "sha256"])
        return Response(
            FileOutput(file).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/files/{file.pk}"},
        )


class FileDetailApi(APIView):
    path_id_type = OpenApiTypes.UUID
    @extend_schema(responses={200: FileOutput, 404: None}, operation_id="get_file")
    def get(self, request, id):
        return Response(FileOutput(selectors.file_of_owner(id, request.user.id)).data)

    @extend_schema(responses={204: None, 404: None}, operation_id="delete_file")
    def delete(self, request, id):
        with transaction.atomic():  # the caller's account checked in the delete's transaction
            lock_active_user(request.user.id)
            services.remove(selectors.file_of_owner(id, request.user.id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileDownloadApi(APIView):
    path_id_type = OpenApiTypes.UUID
    @extend_schema(
        responses={
            # The stored type; saaskit.openapi.complete_document names each one served.
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the bytes"),
            307: None,
            404: None,
        },
        operation_id="download_file",
    )
    def get(self, request, id):
        file = selectors.file_of_owner(id, request.user.id)
        try:
            return download_response(file)
        except ObjectNotFound:
            raise file_not_found() from None
