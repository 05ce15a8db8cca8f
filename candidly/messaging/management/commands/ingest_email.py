"""``manage.py ingest_email < message.eml``: place one inbound email (a reply) on the right timeline."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from candidly.messaging.inbound import ingest_email
from candidly.messaging.models import InboundEmail


class Command(BaseCommand):
    help = "Read one RFC 5322 message from standard input (or a file) and record it as a reply."
    # Lets tests and callers pass a binary stream: call_command("ingest_email", stdin=BytesIO(...)).
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default="-", help="A .eml file; '-' (default) reads stdin.")
        parser.add_argument("--recipient", action="append", default=[], help="The envelope recipient.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["path"] == "-":
            stream = options.get("stdin") or sys.stdin.buffer
            raw = stream.read()
        else:
            with open(options["path"], "rb") as handle:
                raw = handle.read()
        if not raw.strip():
            self.stderr.write("No message on input; nothing ingested.")
            return
        inbound = ingest_email(raw, envelope_recipients=options["recipient"])
        if inbound.status == InboundEmail.Status.MATCHED:
            self.stdout.write(f"Recorded the reply from {inbound.from_email} (inbound #{inbound.pk}).")
        elif inbound.status == InboundEmail.Status.REVIEW:
            self.stdout.write(
                f"Kept the email from {inbound.from_email} for a recruiter to review "
                f"(inbound #{inbound.pk}): it did not come to a reply address."
            )
        elif inbound.status == InboundEmail.Status.CALENDAR:
            self.stdout.write(
                f"Recorded the calendar answer from {inbound.from_email}: {inbound.note} "
                f"(inbound #{inbound.pk})."
            )
        elif inbound.status == InboundEmail.Status.UNSUBSCRIBE:
            self.stdout.write(f"Unsubscribed {inbound.from_email} (inbound #{inbound.pk}).")
        else:
            # Not an error for the mail pipeline: the message is kept for a person to look at.
            self.stdout.write(
                f"No touchpoint matches this message; kept it as inbound #{inbound.pk} for review."
            )
