"""The portal's notion of "now", which tests and demos may fix with the NOMOS_NOW setting."""

from __future__ import annotations

import datetime

from nomos_portal.settings import get_settings


def now() -> datetime.datetime:
    """Return the current time as an aware UTC datetime, or the fixed NOMOS_NOW when set."""
    frozen = get_settings().frozen_now
    if frozen is not None:
        return frozen.astimezone(datetime.UTC)
    return datetime.datetime.now(datetime.UTC)
