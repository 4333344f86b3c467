"""API users and their refresh tokens: registration, login, tokens, /users/{id}."""
