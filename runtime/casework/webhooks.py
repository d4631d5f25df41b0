"""Delivering a webhook a worker has claimed: the event, signed with the subscriber's secret,
POSTed to its system; the job is marked done when the system took it. A redirect, an error
status, no answer or a destination that is not allowed (`runtime.destinations`: checked
again at every delivery, and connected to at the address checked) is a failed delivery,
which the worker retries with backoff. What went wrong is logged for the operator; the job
keeps one generic message, so that the jobs page tells nobody which ports answer where."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
from typing import Any

from sqlalchemy.orm import Session

from runtime import destinations
from runtime.store import jobs
from runtime.store.jobs import Job, Webhook, signature
from runtime.store.models import utcnow

DELIVERY_TIMEOUT = 10  # seconds
FAILED = ("接收系统未接收推送（地址不允许、无法连接、超时或返回错误）/ "
          "the receiving system did not take the delivery")

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The receiving system did not take the delivery (always the one FAILED message)."""


def deliver_webhook(session: Session, job_id: int) -> None:
    """Send the claimed delivery `job_id` and mark it done; commits. Raises DeliveryError
    when the system did not take it (nothing is written then)."""
    send(session, job_id)
    jobs.mark_done(session, job_id)
    session.commit()


def send(session: Session, job_id: int) -> None:
    """POST the event to its system, signed; raises on a failed delivery. A hook switched
    off since the job was made gets nothing."""
    job = session.get(Job, job_id)
    hook = session.get(Webhook, job.webhook_id) if job else None
    if job is None or hook is None or not hook.active:
        return
    post_json(hook.url, job.payload, secret=hook.secret, headers={
        "X-Lowcode-Delivery": str(job.id)})


def post_json(url: str, payload: Any, *, secret: str | None = None,
              headers: dict[str, str] | None = None) -> None:
    """POST `payload` as JSON to `url` once its destination is checked, signed with `secret`
    when given; raises DeliveryError unless the answer is 2xx (a redirect is a failure)."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    stamp = str(int(utcnow().timestamp()))
    sent = {"Content-Type": "application/json; charset=utf-8", "X-Lowcode-Timestamp": stamp,
            **(headers or {})}
    if secret is not None:
        sent["X-Lowcode-Signature"] = signature(secret, stamp, body)
    try:
        place = destinations.check(url)
        status = _post(place, body, sent)
    except (destinations.RefusedDestination, OSError, http.client.HTTPException) as error:
        log.warning("delivery to %s failed: %s: %s", url, type(error).__name__, error)
        raise DeliveryError(FAILED) from None
    if not 200 <= status < 300:
        log.warning("delivery to %s failed: HTTP %s", url, status)
        raise DeliveryError(FAILED)


def _post(place: destinations.Destination, body: bytes, headers: dict[str, str]) -> int:
    connection = _connection(place)
    try:
        connection.request("POST", place.target, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def _connection(place: destinations.Destination) -> http.client.HTTPConnection:
    if place.scheme == "https":
        return _PinnedHTTPS(place.host, place.port, place.address)
    return _PinnedHTTP(place.host, place.port, place.address)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address checked, not to a second lookup of the host name."""

    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=DELIVERY_TIMEOUT)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, and the certificate is checked against the host name."""

    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=DELIVERY_TIMEOUT,
                         context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]
