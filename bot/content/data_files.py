"""Reading the data files a clinic edits (triage rules, aftercare sequence): TOML, errors naming the file."""

import tomllib
from pathlib import Path
from typing import Any


class DataFileError(Exception):
    """A data file is missing or broken; the message names the file and, where it can, the key."""


def read_toml(path: Path, error: type[DataFileError]) -> dict[str, Any]:
    """Read a UTF-8 TOML file, turning any problem into `error` with a message that names the file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as failure:
        raise error(f"{path}: cannot be read ({failure.strerror or failure})") from failure
    except UnicodeDecodeError as failure:
        raise error(f"{path}: is not UTF-8 text (byte {failure.start})") from failure
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as failure:
        raise error(f"{path}: is not valid TOML: {failure}") from failure


def show_value(value: object) -> str:
    """Show a value from a file as the file spells it, for an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)
