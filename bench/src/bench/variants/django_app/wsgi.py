"""The WSGI entry of the sync Django variants; the variant picks its settings module
through ``DJANGO_SETTINGS_MODULE`` (``bench.variants.django_variants``)."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
