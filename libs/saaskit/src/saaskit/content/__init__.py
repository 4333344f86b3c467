"""Content (posts and comments): the bounds of what a user may write (``limits``), shared
by the FastAPI resources service and the Django twin."""
