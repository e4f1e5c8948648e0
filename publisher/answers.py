"""What an HTTP answer or a failed request means: how long to wait before the next
attempt, and the words of the message (what happened, what to do)."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import requests

from .transport import Response


def backoff(attempt: int) -> float:
    return float(min(0.5 * 2 ** (attempt - 1), 30.0))


def retry_after(response: Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds)


def network_reason(exc: Exception, where: str) -> str:
    kind = "timed out" if isinstance(exc, requests.Timeout) else "could not connect"
    return (
        f"{kind} ({type(exc).__name__}){where}; check the URL and your network, "
        "or raise 'timeout' for a slow site"
    )


def status_hint(status: int) -> str:
    if status == 404:
        return "; the page is gone: find the newsroom's new address and update 'url'"
    if status in (401, 403):
        return "; the site refuses us: check 'headers' or ask the site's owner"
    if status >= 500:
        return "; the site has a problem, the next run will try again"
    return ""


def tls_reason(exc: Exception, where: str) -> str:
    text = str(exc)
    detail = "the certificate is not trusted or does not match the host"
    for known in ("certificate verify failed", "hostname mismatch", "certificate has expired",
                  "self-signed certificate", "unable to get local issuer certificate"):  # fmt: skip
        if known in text:
            detail = known
            break
    return (
        f"certificate or TLS error{where}: {detail}; not retried. Check the site in a "
        "browser; for an internal CA set REQUESTS_CA_BUNDLE"
    )
