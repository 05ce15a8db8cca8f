"""``manage.py create_user USERNAME EMAIL ROLE [--password-stdin]``: set up agency accounts in production."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from candidly.accounts.models import User
from candidly.accounts.services import create_user


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = (
        "Create an admin or recruiter account. With --password-stdin the first line of standard input is "
        "the password (so it never appears in the shell history or the process list); without it the "
        "person chooses one through 'Forgot your password?' on the login page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("email")
        parser.add_argument("role", choices=User.Role.values)
        parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["password_stdin"]:
            stdin = options.get("stdin") or sys.stdin
            password = stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("--password-stdin was given but standard input held no password.")
        try:
            user = create_user(
                username=options["username"],
                email=options["email"],
                role=options["role"],
                password=password,
                actor=None,
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as exc:
            problems = [
                f"{field}: {message}" for field, messages in exc.message_dict.items() for message in messages
            ]
            raise CommandError("Nothing was created.\n" + "\n".join(problems)) from None
        self.stdout.write(f"Created {user.get_role_display().lower()} {user.username} <{user.email}>.")
        if password is None:
            self.stdout.write("No password yet: use 'Forgot your password?' on the login page to choose one.")
