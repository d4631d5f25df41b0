"""Delivering a webhook a worker has claimed: the event, signed with the subscriber's secret,
POSTed to its system; the job is marked done when the system took it. A redirect, an error
status or no answer is a failed delivery, which the worker retries with backoff."""

from __future__ import annotations

import http.client
import json
import urllib.request
from typing import Any

from sqlalchemy.orm import Session

from runtime.store import jobs
from runtime.store.jobs import Job, Webhook, signature
from runtime.store.models import utcnow

DELIVERY_TIMEOUT = 10  # seconds


class DeliveryError(Exception):
    """The receiving system did not take the delivery."""


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
    body = json.dumps(job.payload, ensure_ascii=False, sort_keys=True).encode()
    stamp = str(int(utcnow().timestamp()))
    request = urllib.request.Request(hook.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "X-Lowcode-Delivery": str(job.id), "X-Lowcode-Timestamp": stamp,
        "X-Lowcode-Signature": signature(hook.secret, stamp, body)})
    try:
        # urllib raises HTTPError (an OSError) for any status outside 2xx
        with _OPENER.open(request, timeout=DELIVERY_TIMEOUT):
            pass
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: followed, urllib would turn the POST into a GET
    without the body (or send the signed event to another host) and call it delivered."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
