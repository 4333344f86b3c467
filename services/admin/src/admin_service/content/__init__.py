"""Posts and comments, and the user overview."""
