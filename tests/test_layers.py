"""The layers' import rules, read from the source with ast: imports point down, and only the root wires handlers.

domain -> nothing of ours; local_api (the stand-in for Telegram) -> nothing of ours; storage -> no handler, no
Telegram, no use case; handlers are imported only by the composition root (bot/app), and import no other handler
class; only the entry points (`python -m bot`, the playground) and the tests import bot.app, and only `python -m bot`
imports the playground.
"""

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
# A module of bot/handlers is a handler module when it defines a *Handlers class or the Gate; the others are helpers
# any handler may use: replies and caller, and access (StaffAccess, the guard a staff handler wraps itself in).
_HANDLER_CLASSES = ("Gate",)


def _module(path: Path) -> str:
    """Return the dotted name of a source file: bot/handlers/menu.py is bot.handlers.menu."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _sources() -> dict[str, ast.Module]:
    """Return every module of bot/, parsed, by its dotted name."""
    return {_module(path): ast.parse(path.read_text(encoding="utf-8")) for path in sorted(BOT.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """Return the modules one module imports, anywhere in it: `from bot.x import y` is bot.x.y when that is a module."""
    known = _sources()
    found: set[str] = set()
    for node in ast.walk(known[name]):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in known}
    return found


def _within(module: str, package: str) -> bool:
    """Tell whether a dotted module name is a package or inside it."""
    return module == package or module.startswith(package + ".")


def _handler_modules() -> set[str]:
    """Return the modules of bot/handlers that define a handler class (*Handlers, or the Gate)."""
    return {
        name
        for name, tree in _sources().items()
        if _within(name, "bot.handlers")
        and any(
            isinstance(node, ast.ClassDef) and (node.name.endswith("Handlers") or node.name in _HANDLER_CLASSES)
            for node in tree.body
        )
    }


def _forbidden(rule: str, module: str) -> bool:
    """Tell whether an import of `module` breaks a rule."""
    if rule == "domain":
        return module.split(".")[0] not in sys.stdlib_module_names and not _within(module, "bot.domain")
    if rule == "storage":
        return any(_within(module, top) for top in ("bot.handlers", "telegram", "bot.care", "bot.outbox", "bot.jobs"))
    if rule == "local api":
        return _within(module, "bot") and not _within(module, "bot.local_api")
    if rule == "handler from handler":
        return module in _handler_modules()
    packages = {"handlers from outside": "bot.handlers", "app": "bot.app", "playground": "bot.playground"}
    return _within(module, packages[rule])


def _breaches(importers: str, rule: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Return "importer -> imported" for every import that breaks a rule, by modules under `importers`.

    Modules in the `allowed` packages are exempt from the rule.
    """
    return sorted(
        f"{name} -> {module}"
        for name in _sources()
        if _within(name, importers) and not any(_within(name, package) for package in allowed)
        for module in _imports(name)
        if module != name and _forbidden(rule, module)
    )


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    """bot/domain holds the clinic's rules only: nothing of ours but the domain, nothing installed."""
    assert _breaches("bot.domain", "domain") == []


def test_storage_imports_no_handler_no_telegram_and_no_use_case() -> None:
    """bot/storage answers in domain objects; it knows nothing of Telegram, handlers, use cases, jobs or the outbox."""
    assert _breaches("bot.storage", "storage") == []


def test_nothing_but_the_composition_root_imports_handlers() -> None:
    """Only bot/app wires the handlers; jobs, the outbox, views and the rest do not reach into them."""
    assert _breaches("bot", "handlers from outside", ("bot.handlers", "bot.app")) == []


def test_no_handler_module_imports_another_handler_module() -> None:
    """A handler turns an update into one use-case call; it does not call another handler (helpers are fine)."""
    assert _breaches("bot.handlers", "handler from handler") == []


def test_only_the_entry_points_import_the_composition_root() -> None:
    """bot.app is imported by the entry points, bot/__main__.py and the playground (and the tests), nowhere else."""
    assert _breaches("bot", "app", ("bot.__main__", "bot.app", "bot.playground")) == []


def test_nothing_but_the_entry_point_imports_the_playground() -> None:
    """The playground is a second entry point: only `python -m bot` starts it; the bot itself knows nothing of it."""
    assert _breaches("bot", "playground", ("bot.__main__", "bot.playground")) == []


def test_the_local_bot_api_imports_nothing_of_the_bot() -> None:
    """bot/local_api stands in for Telegram: it knows the Bot API only, nothing of the bot it serves."""
    assert _breaches("bot.local_api", "local api") == []


def test_starting_the_bot_for_telegram_loads_no_web_server() -> None:
    """`python -m bot` imports the playground (and aiohttp's server) only when it runs it, not on every start."""
    code = "import sys, bot.__main__; print(sorted(m for m in sys.modules if m.startswith(('aiohttp', 'bot.play'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"
