"""The code and the key catalogue agree: every call's key and values, every family, every key used somewhere."""

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

from bot.content.keys import (
    BROADCAST_STATUSES,
    FAMILIES,
    KEYS,
    MESSAGE_PLACEHOLDERS,
    ButtonName,
    Family,
    as_key,
    member,
)
from bot.storage.broadcasts import BroadcastStatus

BOT = Path(__file__).resolve().parent.parent / "bot"
# Keys the code reaches without naming them: the pack fills the thresholds in and lists the commands itself, and
# the sequence's texts are named in data/sequence.toml.
_BY_THE_PACK = ("threshold.", "commands.", "sequence.")


def _calls() -> Iterator[tuple[str, ast.Call]]:
    """Yield every call of a method named text or label in bot/, with where it is."""
    for path in sorted(BOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr in ("text", "label") and node.args:
                yield f"{path.relative_to(BOT.parent)}:{node.lineno}", node


def _keys_of(call: ast.Call) -> list[str] | None:
    """Return the keys a text or label call may ask for, or None when its key is a variable (typed by mypy)."""
    first = call.args[0]
    prefix = "button." if isinstance(call.func, ast.Attribute) and call.func.attr == "label" else ""
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return [prefix + first.value]
    if isinstance(first, ast.IfExp) and all(isinstance(side, ast.Constant) for side in (first.body, first.orelse)):
        return [str(side.value) for side in (first.body, first.orelse) if isinstance(side, ast.Constant)]
    if isinstance(first, ast.Call) and isinstance(first.func, ast.Name) and first.func.id == "member":
        family = first.args[0]
        if isinstance(family, ast.Constant) and isinstance(family.value, str):
            return [family.value.format(value) for value in FAMILIES[as_family(family.value)]]
    return None


def as_family(name: str) -> Family:
    """Return a family named in the code, failing the test when it is not declared."""
    families: dict[str, Family] = {family: family for family in get_args(Family)}
    assert name in families, name
    return families[name]


def test_every_call_names_a_key_with_exactly_the_values_it_fills_in() -> None:
    """Each text() call with a literal key or a family passes the values the catalogue lists for every key it may ask.

    A call that spreads **values passes no value the key does not allow; mypy holds the keys themselves.
    """
    checked = 0
    for where, call in _calls():
        keys = _keys_of(call)
        if keys is None:
            continue
        given = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
        spread = len(given) < len(call.keywords)  # **values
        for key in keys:
            assert key in KEYS, f"{where}: {key}: not in the catalogue"
            allowed = MESSAGE_PLACEHOLDERS[as_key(key)]
            if spread:
                assert given <= allowed, f"{where}: {key}: fills in {sorted(given - allowed)}"
            else:
                assert given == allowed, (
                    f"{where}: {key}: fills in {sorted(given)}, the catalogue says {sorted(allowed)}"
                )
            checked += 1
    assert checked > 200  # the scan found the calls


def test_every_key_of_the_catalogue_is_used_by_the_code() -> None:
    """No key is kept for nothing: each is named in bot/, belongs to a family the code uses, or the pack uses it."""
    named: set[str] = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.add(node.value)
    buttons = {f"button.{name}" for name in named if name in get_args(ButtonName)}
    families = {family.format(value) for family in FAMILIES if family in named for value in FAMILIES[family]}
    unused = [key for key in KEYS if key not in named | buttons | families and not key.startswith(_BY_THE_PACK)]
    assert unused == []


def test_a_key_or_family_value_the_catalogue_does_not_have_is_refused() -> None:
    """Keys read at run time and family values are looked up, never made up: an unknown one raises KeyError."""
    assert as_key("checkin.intro") == "checkin.intro"
    assert member("staff.reason.{}", "fever") == "staff.reason.fever"
    with pytest.raises(KeyError):
        as_key("checkin.intor")
    with pytest.raises(KeyError, match="not one of its values"):
        member("staff.reason.{}", "no_such_reason")


def test_families_hold_the_values_the_domain_has() -> None:
    """The broadcast statuses staff can see are the store's, less the draft nobody is shown."""
    assert set(BROADCAST_STATUSES) == {status.value for status in BroadcastStatus} - {BroadcastStatus.DRAFT.value}
