"""The FastAPI side's admin: SQLAdmin over the kit's tables, mounted on the resources
service at ``/sqladmin`` (``site.py``); one module per domain as the Django admin has
(``accounts``, ``content``, ``files``, ``jobs``), the writes in ``services.py``."""
