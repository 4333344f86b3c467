"""moto's S3 on :9000 with MinIO's health endpoints; MinIO's arguments are ignored."""

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

# The dispatcher picks the service from each request (its signature names s3).
s3 = DomainDispatcherApplication(create_backend_app)


def app(environ, start_response):
    if environ.get("PATH_INFO", "").startswith("/minio/health/"):
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]
    return s3(environ, start_response)


if __name__ == "__main__":
    run_simple("0.0.0.0", 9000, app, threaded=True)  # noqa: S104 - the pod's own address
