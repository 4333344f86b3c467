"""DRF tuned: DRF ``APIView``s with the care the FastAPI side got.

The user is one hand-written statement (``saaskit.db.overview.PSYCOPG_USER``) on Django's
connection, its row turned straight into the body; the overview is the shipped service's selector, which
runs the two statements of ``saaskit.db.overview`` and shapes the rows without model
instances or serializers. Authentication, problems and the orjson renderer are the
shipped service's; the path and query are checked as the FastAPI reference checks them
(``params``); ``settings_tuned`` for the rest.
"""

from __future__ import annotations

from django.db import connection
from rest_framework.response import Response
from rest_framework.views import APIView

from admin_service.content.selectors import overview
from admin_service.operations.apis import HealthzApi
from bench.variants.django_app.params import overview_params, user_params
from bench.variants.django_app.routes import routes
from saaskit.db.overview import PSYCOPG_USER, body
from saaskit.problems import not_found


class UserDetail(APIView):
    def get(self, request, id):
        with connection.cursor() as cursor:
            cursor.execute(PSYCOPG_USER.sql, {"user_id": user_params(id).id})
            row = cursor.fetchone()
        if row is None:
            raise not_found("user")
        return Response(body(row, ())["user"])  # the overview's user object: the same JSON


class UserOverview(APIView):
    def get(self, request, id):
        params = overview_params(id, request.query_params.dict())
        return Response(overview(
            params.id, posts_limit=params.posts_limit, comments_limit=params.comments_limit
        ))


urlpatterns = routes(UserDetail.as_view(), UserOverview.as_view(), HealthzApi.as_view())
handler404 = "admin_service.api.exceptions.handler404"
handler500 = "admin_service.api.exceptions.handler500"
