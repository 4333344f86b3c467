"""Files service (FastAPI): streaming uploads to local disk or S3."""
