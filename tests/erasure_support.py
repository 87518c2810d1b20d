"""Reading a database's files as raw bytes, to tell whether erased text is still anywhere on disk."""

from pathlib import Path

DATABASE_FILES = ("", "-wal", "-shm")  # the database file, its write-ahead log and its shared-memory index


def found_on_disk(database: Path, markers: list[str]) -> dict[str, list[str]]:
    """Return, for each of the database's files that holds any of the markers (as UTF-8 bytes), which ones."""
    found: dict[str, list[str]] = {}
    for suffix in DATABASE_FILES:
        file = Path(f"{database}{suffix}")
        data = file.read_bytes() if file.exists() else b""
        held = [marker for marker in markers if marker.encode() in data]
        if held:
            found[file.name] = held
    return found
