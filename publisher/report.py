"""What a run did: a report per source, in the order of the sources given."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """The outcome of one source in one run."""

    source_id: str
    ok: bool
    found: int = 0  # entries on the page
    new: int = 0
    changed: int = 0
    files_written: tuple[str, ...] = ()
    not_modified: bool = False  # HTTP 304: nothing was extracted or rendered
    error: str | None = None
    error_kind: str | None = None  # the PublisherError kind: fetch, extract, layout, ...
    warnings: tuple[str, ...] = ()
    moved_to: str | None = None  # a permanent redirect: update sources.yaml

    @property
    def outcome(self) -> str:
        if not self.ok:
            return "failed"
        if self.not_modified and not self.files_written:
            return "not modified"
        return "written" if self.files_written else "unchanged"

    @property
    def summary(self) -> str:
        """What happened, in a few words: for the run table and the scheduler's log."""
        if not self.ok:
            return str(self.error)
        if self.not_modified:
            repaired = ", feed files repaired from the store" if self.files_written else ""
            return f"not modified (HTTP 304){repaired}"
        files = "files written" if self.files_written else "files unchanged"
        text = f"{self.found} found, {self.new} new, {self.changed} updated, {files}"
        if self.warnings:
            text += f", {len(self.warnings)} warning(s)"
        return text


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    sources: tuple[SourceReport, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.sources)

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(report for report in self.sources if not report.ok)
