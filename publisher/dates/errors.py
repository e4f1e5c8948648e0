"""The one error of the dates package."""

from __future__ import annotations


class DateError(ValueError):
    """The text is not a date we can read (or names a day that does not exist)."""
