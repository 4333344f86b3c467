"""Django async: the shipped settings with the middleware ``startproject`` gives (Django's
own, the same as the shipped list without the service's metrics, bad-input and 405
middleware and whitenoise, which are sync-only: Django would run each of them, and the
rest of the request below it, through a thread). Django's own run on ASGI too, though
``MiddlewareMixin`` still calls their hooks on the request's thread (``sync_to_async``):
that is the cost an async Django project pays with the defaults, and this variant shows it.

The pool lets a request wait for a connection as long as the FastAPI services' pool does:
on ASGI every request in flight runs its ORM calls on its own thread, so more requests
than connections queue on the pool."""

from admin_service.settings import *  # noqa: F403

ROOT_URLCONF = "bench.variants.django_app.django_async"
MIDDLEWARE = [name for name in MIDDLEWARE if name.startswith("django.")]  # noqa: F405
_default = DATABASES["default"]  # noqa: F405
_pool = {**_default["OPTIONS"]["pool"], "timeout": APP.database_connect_timeout}  # noqa: F405
DATABASES = {"default": {**_default, "OPTIONS": {**_default["OPTIONS"], "pool": _pool}}}
