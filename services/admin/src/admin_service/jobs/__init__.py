"""Background jobs (arq, the same queue and worker as the FastAPI side) and the email outbox."""
