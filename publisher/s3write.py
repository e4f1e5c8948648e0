"""Feed files in S3-compatible storage (``site.output: s3://bucket/prefix``; boto3).

Each file is put with its content type and ``Cache-Control``, and only when its bytes
changed: the object's ETag (the MD5 of a single-part upload) is compared with the MD5 of
the new bytes first. Several workers may write the same file, so every put is
conditional: ``If-None-Match: *`` for a new object, ``If-Match: <etag>`` over the one just
read, and an object stamped (metadata ``generated``) by a later run than ours is left
alone. A put that loses a race (HTTP 412) reads the object again and decides again.

Credentials, region and endpoint come from boto3's usual sources (``AWS_*`` variables,
``~/.aws``); ``AWS_ENDPOINT_URL`` points it at a non-AWS server (MinIO, Ceph, moto).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .errors import OutputError
from .render import OUTPUTS

CONTENT_TYPES = {
    **{f".{o.extension}": f"{o.media_type}; charset=utf-8" for o in OUTPUTS.values()},
    ".html": "text/html; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
}
_TRIES = 5  # puts that may lose a race to another writer before giving up


class S3Writer:
    """Feed files under ``s3://bucket/prefix``; see the module's docstring."""

    def __init__(self, url: str, *, generated: datetime, client: Any = None):
        try:
            import boto3
            import botocore.exceptions
        except ImportError as exc:
            raise OutputError(
                f"site.output is {url} but boto3 is not installed: install publisher[scale]"
            ) from exc
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise OutputError(f"site.output {url!r} names no bucket: use s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.generated = generated.isoformat(timespec="seconds")
        self._client: Any = client if client is not None else _shared_client(boto3)
        self._errors = botocore.exceptions.ClientError
        self._known: dict[str, dict[str, Any] | None] = {}  # key -> last head (this run)

    def _head(self, key: str, *, fresh: bool = False) -> dict[str, Any] | None:
        """The object's ETag and metadata: read once per run (a put keeps it up to date;
        a stale one fails the put's condition and is read again)."""
        if not fresh and key in self._known:
            return self._known[key]
        try:
            head: dict[str, Any] = self._client.head_object(Bucket=self.bucket, Key=key)
        except self._errors as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                self._known[key] = None
                return None
            raise OutputError(f"{self.where(key)}: cannot read: {exc}") from exc
        self._known[key] = head
        return head

    def write(self, name: str, data: bytes, *, max_age: int) -> bool:
        key = self.prefix + name
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        kind = CONTENT_TYPES.get(name[name.rfind(".") :], "application/octet-stream")
        for attempt in range(_TRIES):
            head = self._head(key, fresh=attempt > 0)
            condition: dict[str, str] = {"IfNoneMatch": "*"}
            if head is not None:
                if head["ETag"].strip('"') == digest:
                    return False  # the same bytes: nothing to do
                if head.get("Metadata", {}).get("generated", "") > self.generated:
                    return False  # a later run wrote it: ours is older
                condition = {"IfMatch": head["ETag"]}
            try:
                self._client.put_object(
                    Bucket=self.bucket, Key=key, Body=data, ContentMD5=_b64(data),
                    ContentType=kind,
                    CacheControl=f"public, max-age={max_age}",
                    Metadata={"generated": self.generated}, **condition,
                )  # fmt: skip
                self._known[key] = {
                    "ETag": f'"{digest}"',
                    "Metadata": {"generated": self.generated},
                }
                return True
            except self._errors as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code not in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                    raise OutputError(f"{self.where(name)}: cannot write: {exc}") from exc
        raise OutputError(
            f"{self.where(name)}: other writers changed it {_TRIES} times while this one "
            "tried to write it; it is written on the next run"
        )

    def stamp(self, names: Iterable[str]) -> str | None:
        tags = []
        for name in names:
            head = self._head(self.prefix + name)
            if head is None:
                return None
            tags.append(head["ETag"].strip('"'))
        return " ".join(tags)

    def where(self, name: str) -> str:
        key = name if name.startswith(self.prefix) else self.prefix + name
        return f"s3://{self.bucket}/{key}"


@functools.cache
def _shared_client(boto3: Any) -> Any:
    """One client per process: making one costs more than a put (boto3 clients are
    thread-safe)."""
    return boto3.client("s3")


def _b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
