"""After a run: the files about all the feeds, from the store. Render, then write only
what changed (:func:`~publisher.write.write_if_changed`).

    store.source_states + store.feed_entries        (what each feed holds, its state)
    | render.pages      index.html, <id>.html, feeds.opml
    | render.digest     <id>-daily.* / <id>-weekly.* (closed periods only)
    | write_if_changed

It runs at the end of every ``publisher run`` and scheduled job, also when no page
changed: a digest's period closes with the clock, not with the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from .model import Site, Source
from .render import output_paths, render, source_feed
from .render.digest import closed_periods, digest_feed, digest_stem
from .render.pages import INDEX, OPML, FeedSummary, feed_page, index_page, opml
from .service import state_label
from .store import Store
from .write import open_writer

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # dates a feed that never had an entry
PAGE_AGE = 3600  # seconds caches may keep the pages (Cache-Control on S3)


def write_site(
    sources: Iterable[Source],
    *,
    site: Site,
    store: Store,
    now: datetime,
    out_dir: Path | str | None = None,
) -> tuple[str, ...]:
    """Write index.html, feeds.opml, each source's page and digests; return the paths
    written. ``sources``: the enabled ones (all of them, not only those just run)."""
    out = open_writer(out_dir if out_dir is not None else site.output, generated=now)
    todo = tuple(sources)
    states = store.source_states(source.id for source in todo)
    files: dict[str, bytes] = {}
    rows = []
    for source in todo:
        state = states[source.id]
        entries = store.feed_entries(
            source.id, limit=source.max_entries, max_age_days=source.max_age_days, now=now
        )
        feed = source_feed(source, site, entries, fallback_updated=state.newest or EPOCH)
        files[f"{source.id}.html"] = feed_page(feed, site.outputs)
        kind = source.digest or site.digest
        if kind:
            periods = closed_periods(kind, source.tz, now)
            seen = store.entries_first_seen(
                source.id, since=periods[-1].start, before=periods[0].end
            )
            digest = digest_feed(
                source, site, kind, periods, seen, fallback_updated=state.newest or EPOCH
            )
            names = (path.name for path in output_paths(Path(), digest.stem, site.outputs))
            files.update(zip(names, render(digest, site.outputs).values(), strict=True))
        rows.append(
            FeedSummary(
                feed=feed, outputs=site.outputs, state=state_label(source, state),
                entries=state.entries_stored, last_success=state.last_success,
                digest=digest_stem(source, kind) if kind else None,
            )
        )  # fmt: skip
    title = "Feeds"
    files[INDEX] = index_page(title, rows, opml_url=f"{site.base_url}{OPML}")
    files[OPML] = opml(title, rows, prefer=site.outputs[0])
    return tuple(
        out.where(name) for name, data in files.items() if out.write(name, data, max_age=PAGE_AGE)
    )
