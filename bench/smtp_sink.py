"""A standalone SMTP sink for the benchmark and the kill harness: accepts every message on loopback and counts
them by Message-ID, so a message sent twice is visible.

    python bench/smtp_sink.py [--smtp-port 0] [--http-port 0] [--report FILE]

Once both listeners are bound it prints one JSON line on stdout: {"smtp_port": …, "http_port": …}.
A tiny HTTP endpoint on loopback answers:
    GET  /stats  → {"messages", "distinct", "duplicates", "duplicate_ids", "no_message_id"}
    GET  /ids    → {"<message-id>": count, …}
    POST /reset  → forget everything received so far
On SIGTERM/SIGINT it writes the /ids answer to --report (if given) and exits 0.

It runs in its own process (not a thread of the harness) so the harness's own work never slows acceptance, and
a message is counted before "250 OK" is sent: if the sender dies after that, the sink still has it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class CountingHandler:
    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.messages = 0
        self.no_message_id = 0
        # Headers only: parsing bodies would cost CPU the sink shares with the workers it measures.
        self._parser = BytesHeaderParser()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        message_id = self._parser.parsebytes(raw).get("Message-ID")
        self.messages += 1
        if message_id:
            self.ids[str(message_id).strip()] += 1
        else:
            self.no_message_id += 1
        return "250 OK"

    def stats(self) -> dict[str, Any]:
        duplicated = {mid: n for mid, n in self.ids.items() if n > 1}
        return {
            "messages": self.messages,
            "distinct": len(self.ids),
            "duplicates": sum(n - 1 for n in duplicated.values()),
            "duplicate_ids": dict(list(duplicated.items())[:20]),
            "no_message_id": self.no_message_id,
        }

    def reset(self) -> None:
        self.ids.clear()
        self.messages = 0
        self.no_message_id = 0


async def _answer_http(
    handler: CountingHandler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        request_line = (await reader.readline()).decode("latin-1").split()
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass  # headers are not needed
        method, path = [*request_line, "", ""][:2]
        status, payload = "200 OK", {}
        if method == "GET" and path == "/stats":
            payload = handler.stats()
        elif method == "GET" and path == "/ids":
            payload = dict(handler.ids)
        elif method == "POST" and path == "/reset":
            handler.reset()
            payload = {"reset": True}
        else:
            status, payload = "404 Not Found", {"error": "unknown path"}
        body = json.dumps(payload).encode()
        head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
        await writer.drain()
    finally:
        writer.close()


async def serve(smtp_port: int, http_port: int, report: Path | None) -> None:
    loop = asyncio.get_running_loop()
    handler = CountingHandler()
    smtp_server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.localhost", data_size_limit=10_000_000, loop=loop),
        "127.0.0.1",
        smtp_port,
        backlog=512,
    )
    http_server = await asyncio.start_server(lambda r, w: _answer_http(handler, r, w), "127.0.0.1", http_port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    ports = {
        "smtp_port": smtp_server.sockets[0].getsockname()[1],
        "http_port": http_server.sockets[0].getsockname()[1],
    }
    print(json.dumps(ports), flush=True)
    await stop.wait()
    smtp_server.close()
    http_server.close()
    if report is not None:
        report.write_text(json.dumps({"stats": handler.stats(), "ids": dict(handler.ids)}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=0, help="0 picks a free port (printed on start)")
    parser.add_argument("--http-port", type=int, default=0, help="0 picks a free port (printed on start)")
    parser.add_argument("--report", type=Path, default=None, help="write the counts here on exit")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.smtp_port, args.http_port, args.report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
