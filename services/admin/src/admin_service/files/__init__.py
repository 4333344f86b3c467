"""File uploads and downloads (the same storage as the FastAPI files service)."""
