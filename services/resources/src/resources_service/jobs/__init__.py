"""Background jobs requested over the API (``export_posts``) and their status."""
