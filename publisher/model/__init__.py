"""Every record of publisher, in one place: frozen dataclasses, no behaviour beyond reading.

model.config    what sources.yaml says: Config, Site, Source, Selectors, Timeout
model.records   what flows down the pipeline: Page -> RawEntry -> Entry -> StoredEntry
"""

from .config import Collection, Config, Rule, Selectors, Site, Source, Timeout
from .records import Entry, Origin, Page, RawEntry, RobotsFile, SourceState, StoredEntry

__all__ = [
    "Collection",
    "Config",
    "Entry",
    "Origin",
    "Page",
    "RawEntry",
    "RobotsFile",
    "Rule",
    "Selectors",
    "Site",
    "Source",
    "SourceState",
    "StoredEntry",
    "Timeout",
]
