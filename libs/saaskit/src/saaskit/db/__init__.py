"""Database access shared by the FastAPI services: schema, engines, migrations."""
