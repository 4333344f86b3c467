"""Resources service (FastAPI): users, posts, comments, overview, jobs."""
