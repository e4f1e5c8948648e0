"""Where a test's feed files are published, asked the same questions whatever the place:
a local folder (``site.output: public/feeds``) or a bucket on moto's S3-compatible server
(``site.output: s3://bucket/prefix``).

- :meth:`snapshot`: each file's bytes and what identifies its last write (the mtime of
  a local file; the version id of an object in a versioned bucket, so a put of the same
  bytes still shows), to prove a round rewrote nothing;
- :meth:`files`: the Atom and RSS files on local disk, for the W3C validator.

:class:`BucketObjects` serves the bucket's objects at a route of the loopback test server,
read from the S3 server at every request (as a CDN in front of a bucket does): the
clients' conditional requests go to S3, and S3's answers (200 or 304, its ETag and
Last-Modified) come back unchanged and are logged by the loopback server.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .feedcheck import feed_files
from .scale import BUCKET
from .server import Files, Reply, Route

Snapshot = dict[str, tuple[bytes, str]]  # name -> (bytes, what identifies the write)


class Published(Protocol):
    def snapshot(self) -> Snapshot: ...

    def files(self) -> list[Path]: ...


@dataclass(frozen=True, slots=True)
class FolderFeeds:
    folder: Path

    def snapshot(self) -> Snapshot:
        return {
            path.name: (path.read_bytes(), str(path.stat().st_mtime_ns))
            for path in sorted(self.folder.iterdir())
        }

    def files(self) -> list[Path]:
        return feed_files(self.folder)


@dataclass(frozen=True, slots=True)
class BucketFeeds:
    """The objects under ``prefix`` (ending in ``/``) of a versioned ``bucket``;
    ``scratch``: a folder the Atom and RSS objects are downloaded to for :meth:`files`."""

    client: Any  # a boto3 S3 client
    bucket: str
    prefix: str
    scratch: Path

    @classmethod
    def serving(cls, client: Any, bucket: str, prefix: str, scratch: Path) -> BucketFeeds:
        """Make ``bucket`` versioned, and readable by anyone (the policy of a bucket that
        serves feeds to readers, or to a CDN in front of it)."""
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        read = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*"}  # fmt: skip
        policy = {"Version": "2012-10-17", "Statement": [read]}
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
        scratch.mkdir(parents=True, exist_ok=True)
        return cls(client, bucket, prefix, scratch)

    def snapshot(self) -> Snapshot:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix)
        found: Snapshot = {}
        for item in listed.get("Contents", ()):
            got = self.client.get_object(Bucket=self.bucket, Key=item["Key"])
            name = item["Key"].removeprefix(self.prefix)
            found[name] = (got["Body"].read(), got["VersionId"])
        return dict(sorted(found.items()))

    def files(self) -> list[Path]:
        for name, (data, _) in self.snapshot().items():
            (self.scratch / name).write_bytes(data)
        return feed_files(self.scratch)


@dataclass(frozen=True, slots=True)
class BucketObjects:
    """A loopback-server route (exact paths) answering with the object of the same file
    name under ``{endpoint}/{bucket}/{prefix}``, read over HTTP at each request.

    The client's ``If-None-Match`` goes to S3 alone when it sends one: moto also evaluates
    ``If-Modified-Since`` beside it (RFC 9110 13.2.2: a server ignores it then), with
    Last-Modified in whole seconds, and the scenario's rounds follow each other within a
    second. ``If-Modified-Since`` goes when it is the only validator."""

    endpoint: str
    bucket: str
    prefix: str

    def __call__(self, path: str, headers: dict[str, str]) -> Reply:
        name = path.split("?", 1)[0].rsplit("/", 1)[-1]
        request = urllib.request.Request(f"{self.endpoint}/{self.bucket}/{self.prefix}{name}")
        if "if-none-match" in headers:
            request.add_header("If-None-Match", headers["if-none-match"])
        elif "if-modified-since" in headers:
            request.add_header("If-Modified-Since", headers["if-modified-since"])
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, body, got = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as exc:  # 304 and 404 come this way
            status, body, got = exc.code, exc.read(), exc.headers
        keep = ("ETag", "Last-Modified", "Content-Type", "Cache-Control")
        return Reply(status=status, body=body, headers=tuple((h, got[h]) for h in keep if h in got))


def feed_place(
    root: Path, route: str, names: Iterable[str], *, s3_endpoint: str | None
) -> tuple[Published, str, dict[str, Route]]:
    """Where a test's feeds go: the folder ``root/public/feeds``, or with ``s3_endpoint``
    the prefix ``pub/`` of the ``s3`` fixture's bucket (see :meth:`BucketFeeds.serving`).
    Returns the place, its ``site.output`` and the loopback-server routes serving the
    files ``names`` under ``route`` (ending in ``/``)."""
    if s3_endpoint is None:
        folder = root / "public" / "feeds"
        folder.mkdir(parents=True)
        return FolderFeeds(folder), "public/feeds", {route: Files(folder)}
    import boto3  # publisher[scale]: only when the feeds go to S3

    feeds = BucketFeeds.serving(boto3.client("s3"), BUCKET, "pub/", root / "downloaded")
    objects = BucketObjects(s3_endpoint, BUCKET, "pub/")
    return feeds, f"s3://{BUCKET}/pub", {route + name: objects for name in names}
