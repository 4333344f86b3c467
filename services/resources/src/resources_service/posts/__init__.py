"""Posts: list (search, by author), create, read, edit and delete by the author."""
