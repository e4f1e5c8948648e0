"""WebSub: tell the hub that feeds changed, so subscribed readers fetch them at once.

The feeds announce the hub (``atom:link rel="hub"``, see :mod:`publisher.render`); after
a run wrote a feed file, :func:`ping_hub` sends the hub a publish notification for the
changed feeds' public URLs. A hub that cannot be reached costs a warning, never a source.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import requests

log = logging.getLogger(__name__)

TIMEOUT = (10.0, 30.0)


def ping_hub(session: requests.Session, hub: str, topics: Sequence[str]) -> str | None:
    """POST ``hub.mode=publish`` for ``topics`` to ``hub``; a warning message, or None."""
    if not topics:
        return None
    data = [("hub.mode", "publish"), *(("hub.url", topic) for topic in topics)]
    try:
        response = session.post(hub, data=data, timeout=TIMEOUT)
        response.close()
    except requests.RequestException as exc:
        return f"WebSub hub {hub} not notified: {type(exc).__name__}; readers will poll as usual"
    if not 200 <= response.status_code < 300:
        return (
            f"WebSub hub {hub} answered HTTP {response.status_code} to the publish "
            "notification; readers will poll as usual"
        )
    log.debug("notified %s of %s", hub, ", ".join(topics))
    return None
