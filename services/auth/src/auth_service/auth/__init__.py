"""Registration, login, token refresh, logout, and the JWKS."""
