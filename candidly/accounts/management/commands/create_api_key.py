"""``manage.py create_api_key --user NAME --scopes read,write [--name TEXT]``: prints the key, once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from candidly.accounts import api_keys
from candidly.accounts.models import User


class Command(BaseCommand):
    help = "Make a REST API key acting as a user and print it. It is stored hashed: copy it now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username the key acts as.")
        parser.add_argument("--scopes", default="read", help="“read” or “read,write” (default: read).")
        parser.add_argument("--name", default="", help="What will use the key (default: “command line”).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        try:
            scopes = api_keys.parse_scopes(options["scopes"])
            key, raw = api_keys.create_api_key(
                user=user,
                name=options["name"] or "command line",
                scopes=scopes,
                actor=None,
                now=timezone.now(),
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(f"API key “{key.name}” for {user.username}, scopes {key.scopes}. Shown once:")
        self.stdout.write(raw)
