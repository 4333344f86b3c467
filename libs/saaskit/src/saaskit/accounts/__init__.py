"""Accounts: what a user may send (``limits``), the rules applied to it (``validation``)
and the auth API's errors (``problems``), the same for the FastAPI auth service and the
Django twin."""
