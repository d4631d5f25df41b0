"""A webhook receiver on 127.0.0.1 for the tests (a thread that stops itself), a port where
nothing listens, and webhook jobs due now."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from sqlalchemy.orm import Session

from runtime.store import jobs
from runtime.store.models import utcnow

SECRET = "s3cret-of-the-receiving-system"
SERVER_LIMIT = 30  # seconds: a receiver stops itself even if a test forgets it


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)


@contextmanager
def receiver(status: int = 200, *, garbage: bool = False) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 in a thread, answering every POST with `status` (or with
    a line that is not HTTP); it shuts itself down after SERVER_LIMIT seconds."""
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        timeout = 5

        def do_POST(self) -> None:  # noqa: N802 (the http.server name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            box[0].received.append((dict(self.headers), body))
            self.answer()

        def do_GET(self) -> None:  # noqa: N802
            box[0].methods.append("GET")
            self.answer()

        def answer(self) -> None:
            if garbage:
                self.wfile.write(b"this is not HTTP\r\n\r\n")
                return
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", box[0].url + "elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    box.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook/"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    limit = threading.Timer(SERVER_LIMIT, server.shutdown)
    thread.start()
    limit.start()
    try:
        yield box[0]
    finally:
        limit.cancel()
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port() -> str:
    """The URL of a port on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def delivery(session: Session, url: str, *, active: bool = True) -> int:
    """A webhook job to `url`, due now; its id."""
    hook = jobs.subscribe(session, "receiver", url, SECRET)
    hook.active = active
    job = jobs.Job(kind="webhook", name="case.start", case_id=1, webhook_id=hook.id,
                   payload={"case": 1, "event": "case.start"}, run_at=utcnow())
    session.add(job)
    session.commit()
    return job.id
