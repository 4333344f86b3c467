"""Background worker (arq): file processing, emails, exports, cleanup."""
