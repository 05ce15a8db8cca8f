import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
application = get_wsgi_application()

from candidly.warmup import warm_up  # noqa: E402 - needs the settings and apps set up above

warm_up()
