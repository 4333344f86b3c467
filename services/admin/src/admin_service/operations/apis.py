"""/healthz, /readyz, /metrics."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from admin_service.operations.checks import run_checks
from saaskit.metrics import render_metrics


class OperationsApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class HealthzApi(OperationsApi):
    @extend_schema(
        responses={200: dict}, operation_id="healthz", summary="Liveness: the process runs"
    )
    def get(self, request):
        return Response({"status": "ok"})


class ReadyzApi(OperationsApi):
    @extend_schema(
        responses={200: dict, 503: dict},
        operation_id="readyz",
        summary="Readiness: every dependency answers",
    )
    def get(self, request):
        ok, report = run_checks()
        return Response(
            {"status": "ok" if ok else "unavailable", "checks": report}, status=200 if ok else 503
        )


def metrics(request) -> HttpResponse:
    body, content_type = render_metrics()
    return HttpResponse(body, content_type=content_type)
