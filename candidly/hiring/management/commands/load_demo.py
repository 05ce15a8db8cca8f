"""``manage.py load_demo``: load the demo agency into the embedded database (``make run`` calls it)."""

from __future__ import annotations

import io
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from candidly.demo.generator import DEMO_USERNAME
from candidly.demo.loader import DEMO_PASSWORD, DemoNotAllowed, load_demo_agency


class Command(BaseCommand):
    help = (
        "Load the demo agency (3 recruiters, 8 companies, 150 candidates, 220 live submissions, interviews "
        "around today, half a year of history behind them) with the login demo/demo. Does nothing if the "
        "demo is already loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Load only into a database that has no users yet."
        )
        parser.add_argument(
            "--allow-non-sqlite",
            action="store_true",
            help="Allow loading into PostgreSQL (a throwaway database; never production).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            summary = load_demo_agency(
                if_empty=options["if_empty"], allow_non_sqlite=options["allow_non_sqlite"]
            )
        except DemoNotAllowed as exc:
            raise CommandError(str(exc)) from None
        if summary.status == "already_loaded":
            self.stdout.write(
                f"The demo agency is already loaded (user {DEMO_USERNAME!r} exists); nothing changed."
            )
            return
        if summary.status == "not_empty":
            self.stdout.write("The database already has users; not loading the demo agency (--if-empty).")
            return
        self.stdout.write(self.render(summary.counts, time.monotonic() - started), ending="")

    def render(self, counts: dict[str, int], seconds: float) -> str:
        table = Table(title=f"Demo agency loaded in {seconds:.1f} s", title_justify="left")
        table.add_column("what")
        table.add_column("rows", justify="right")
        for name, count in counts.items():
            table.add_row(name, str(count))
        buffer = io.StringIO()
        # Render into a buffer so output goes through self.stdout (call_command captures it in tests).
        console = Console(file=buffer, width=60, color_system=None, emoji=False)
        console.print(table)
        console.print(f"Log in as [bold]{DEMO_USERNAME}[/bold] / [bold]{DEMO_PASSWORD}[/bold] (admin role).")
        return buffer.getvalue()
