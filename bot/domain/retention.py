"""Retention: when a patient's check-ins are old enough to be purged, as plain date arithmetic."""

from datetime import date, timedelta


def window_end(treatment_date: date, last_day: int) -> date:
    """Return the last day of the recovery window: the treatment date plus REMINDER_LAST_DAY days."""
    return treatment_date + timedelta(days=last_day)


def purge_cutoff(today: date, last_day: int, retention_days: int) -> date:
    """Return the earliest treatment date whose data is still kept today; anything earlier is purged.

    A patient's data is kept while their window ended at most `retention_days` days ago, that is while
    treatment_date + last_day + retention_days >= today.
    """
    return today - timedelta(days=last_day + retention_days)


def is_expired(treatment_date: date, today: date, last_day: int, retention_days: int) -> bool:
    """Tell whether the patient's window ended more than `retention_days` days before today."""
    return treatment_date < purge_cutoff(today, last_day, retention_days)
