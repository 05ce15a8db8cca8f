"""A real SMTP server on loopback (aiosmtpd) that tests send to and read back from."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return None if value is None else str(value)

    def body(self, subtype: str = "plain") -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return "" if part is None else part.get_content()

    def attachments(self) -> list[Any]:
        return list(self.message.iter_attachments())


@dataclass
class _Handler:
    received: list[ReceivedMail] = field(default_factory=list)
    # When set, every DATA is answered with this reply (e.g. "451 4.3.0 try later").
    reject_with: str | None = None
    # DATA commands answered with this reply instead, by their number (1 = the first DATA the sink sees).
    reject_data: dict[int, str] = field(default_factory=dict)
    # After accepting the DATA with this number, the server closes that connection (an idle timeout, a
    # restart): the client finds out on its next command.
    hang_up_after: set[int] = field(default_factory=set)
    connections: int = 0
    data_commands: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.data_commands += 1
            number = self.data_commands
        if self.reject_with:
            return self.reject_with
        if number in self.reject_data:
            return self.reject_data[number]
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        if number in self.hang_up_after:
            # Close once "250 OK" has been written: the message is accepted, the connection is gone.
            server.loop.call_soon(server.transport.close)
        return "250 OK"


class _CountingController(Controller):
    def factory(self) -> SMTP:
        handler = self.handler

        class CountingSMTP(SMTP):
            def connection_made(self, transport: Any) -> None:
                with handler.lock:
                    handler.connections += 1
                super().connection_made(transport)

        return CountingSMTP(handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """Start/stop a loopback SMTP server; ``stop()`` makes connections fail with "connection refused"."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = _Handler()
        self._controller: Controller | None = None

    @property
    def connections(self) -> int:
        """SMTP connections accepted so far (the controller's own readiness probe included)."""
        with self.handler.lock:
            return self.handler.connections

    @property
    def received(self) -> list[ReceivedMail]:
        with self.handler.lock:
            return list(self.handler.received)

    def start(self) -> SmtpSink:
        self._controller = _CountingController(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()
