"""Shared, framework-free kit for every service."""
