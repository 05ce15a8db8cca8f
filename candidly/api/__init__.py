"""The REST API (``/api/v1/``, django-ninja): an interface like the pages, calling the same services."""
