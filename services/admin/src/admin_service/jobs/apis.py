"""POST /jobs, GET /jobs/{id}."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from admin_service.api.serializers import (
    StrictSerializer,
    TimestampField,
    parse_body,
    parse_id,
)
from admin_service.jobs import selectors, services
from saaskit import queue


class JobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    status = serializers.CharField()
    created_at = TimestampField()
    finished_at = TimestampField(allow_null=True)
    result = serializers.JSONField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class JobCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        type = serializers.ChoiceField(choices=[queue.EXPORT_POSTS])

    @extend_schema(
        request=InputSerializer,
        responses={202: JobOutput, 422: None, 503: None},
        operation_id="create_job",
    )
    def post(self, request):
        parse_body(self.InputSerializer, request)
        job = services.start_export(request.user.id)
        job.refresh_from_db()
        return Response(
            JobOutput(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/jobs/{job.id}"},
        )


class JobDetailApi(APIView):
    @extend_schema(responses={200: JobOutput, 404: None}, operation_id="get_job")
    def get(self, request, id):
        job = selectors.job_of_owner(parse_id(id), request.user.id)
        return Response(JobOutput(job).data)
