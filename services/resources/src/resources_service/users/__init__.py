"""Public user profiles and the overview (a user's newest posts with their newest comments)."""
