"""Django service: the admin panel and the same public API in Django REST Framework."""
