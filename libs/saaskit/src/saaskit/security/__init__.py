"""Passwords (argon2id), signing keys and JWKS, access and refresh tokens."""
