"""FastAPI glue shared by the FastAPI services (needs the ``saaskit[fastapi]`` extra)."""
