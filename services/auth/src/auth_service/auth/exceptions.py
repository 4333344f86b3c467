"""The auth API's errors: shared with the Django twin so both word them identically."""

from saaskit.auth_problems import already_taken, invalid_credentials, invalid_refresh_token  # noqa: F401
