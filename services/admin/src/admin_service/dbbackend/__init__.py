"""Django's PostgreSQL backend with the pool check of ``admin_service.dbbackend.base``."""
