"""``python -m candidly <command>`` is ``manage.py <command>``."""

import os
import sys

from django.core.management import execute_from_command_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
execute_from_command_line([f"{sys.executable} -m candidly", *sys.argv[1:]])
