"""One clock for every page: a stored moment (UTC) shown in the site's zone, China time
(Asia/Shanghai) unless the TIMEZONE setting says otherwise, in one format."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

from runtime.store.models import aware

DEFAULT_ZONE = "Asia/Shanghai"
MINUTE = "%Y-%m-%d %H:%M"  # what every page shows
SECOND = "%Y-%m-%d %H:%M:%S"  # the audit log's and the jobs' exact moments
DAY = "%Y-%m-%d"


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    """The zone called `name`; ValueError names it when the machine does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as unknown:
        raise ValueError(f"时区「{name}」不存在 / unknown time zone '{name}'") from unknown


def site_zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", DEFAULT_ZONE) if has_app_context() \
        else DEFAULT_ZONE
    return zone(name)


def shown(moment: datetime | None, fmt: str = MINUTE) -> str:
    """`moment` in the site's zone; '' for none. A naive moment is UTC (as stored)."""
    return aware(moment).astimezone(site_zone()).strftime(fmt) if moment else ""
