"""Storage: the only place that speaks SQL; it returns domain objects."""

from bot.storage.database import Database, DatabaseError

__all__ = ["Database", "DatabaseError"]
