"""Auth service (FastAPI)."""
