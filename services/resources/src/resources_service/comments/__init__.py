"""Comments under posts; ``posts.comment_count`` moves in the same transaction."""
