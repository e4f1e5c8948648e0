"""Every record of publisher, in one place: frozen dataclasses, no behaviour beyond reading.

model.config    what sources.yaml says: Config, Site, Source, Selectors, Timeout
model.records   what flows down the pipeline: Page -> RawEntry -> Entry -> StoredEntry
"""

from .config import Config, Selectors, Site, Source, Timeout
from .records import Entry, Page, RawEntry, RobotsFile, SourceState, StoredEntry

__all__ = [
    "Config",
    "Entry",
    "Page",
    "RawEntry",
    "RobotsFile",
    "Selectors",
    "Site",
    "Source",
    "SourceState",
    "StoredEntry",
    "Timeout",
]
