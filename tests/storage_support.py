"""Shared values of the storage tests: a fixed moment, two patients, and moments after it."""

from datetime import UTC, date, datetime, timedelta

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)
PATIENT, OTHER = 42, 43


def later(minutes: int) -> datetime:
    """Return the moment this many minutes after NOW."""
    return NOW + timedelta(minutes=minutes)
