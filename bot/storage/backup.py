"""`python -m bot backup PATH`: an online copy of the live database, safe while the bot runs, checked."""

import contextlib
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.config import DEFAULT_DATABASE_PATH

BUSY_TIMEOUT_MS = 10_000  # wait this long for the bot's writer rather than fail


class BackupError(Exception):
    """The backup cannot be made; the message says why in one line."""


def run_backup(args: Sequence[str], environ: Mapping[str, str]) -> int:
    """Back up DATABASE_PATH to the one path in args; print one line and return 0, or one line on stderr and 2."""
    if len(args) != 1 or not args[0].strip():
        sys.stderr.write("usage: python -m bot backup PATH\n")
        return 2
    source = Path(environ.get("DATABASE_PATH", "").strip() or DEFAULT_DATABASE_PATH)
    target = Path(args[0])
    try:
        size, version = backup_database(source, target)
    except BackupError as error:
        sys.stderr.write(f"aftercare bot backup failed: {error}\n")
        return 2
    sys.stdout.write(f"backup written: {target} ({size} bytes, schema version {version}, integrity ok)\n")
    return 0


def backup_database(source: Path, target: Path) -> tuple[int, int]:
    """Copy source to target with SQLite's backup API, verify the copy, and return its size and schema version."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (check DATABASE_PATH)")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{target} is the live database itself: choose another path")
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the path of the backup file to write")
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: the folder {target.parent} does not exist")
    partial = target.with_name(f"{target.name}.partial")
    try:
        _copy(source, partial)
        version = _verify(partial)
        partial.replace(target)
    except (sqlite3.Error, OSError) as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise BackupError(f"cannot copy {source} to {target}: {error}") from error
    except BackupError:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return target.stat().st_size, version


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """Open a connection with secure_delete on, as the bot's own (deleted rows overwritten, whatever the build)."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) if read_only else sqlite3.connect(path)
    connection.execute("PRAGMA secure_delete = ON")
    return connection


def _copy(source: Path, partial: Path) -> None:
    """Copy the database in one step: SQLite holds a read snapshot, so the bot's writes carry on meanwhile."""
    partial.unlink(missing_ok=True)
    with contextlib.closing(connect(source, read_only=True)) as live:
        live.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        with contextlib.closing(connect(partial)) as copy:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it


def _verify(path: Path) -> int:
    """Run PRAGMA integrity_check on the copy and return its schema version (PRAGMA user_version)."""
    with contextlib.closing(connect(path, read_only=True)) as copy:
        verdict = copy.execute("PRAGMA integrity_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise BackupError(f"the copy failed PRAGMA integrity_check ({verdict}); the live database may be damaged")
        row = copy.execute("PRAGMA user_version").fetchone()
    return int(row[0])
