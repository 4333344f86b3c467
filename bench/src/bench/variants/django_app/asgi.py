"""The ASGI entry of the Django async variant, an app factory for ``uvicorn --factory``:
``uvicorn bench.variants.django_app.asgi:create_app --factory``."""

import os

from django.core.asgi import get_asgi_application


def create_app():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.variants.django_app.settings_async")
    application = get_asgi_application()
    from admin_service import runtime  # needs the settings configured above

    # The keys are read from disk here, at start-up, not by the first request on the
    # event loop; verifying a token afterwards is CPU only (no I/O to block on).
    runtime.token_verifier()
    return application
