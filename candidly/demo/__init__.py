"""The demo agency: deterministic, realistic data for ``manage.py load_demo`` and ``make run``.

A plain package, not a Django app: it owns no models, it only writes rows of the apps that do.
"""
