"""Checks on content as it will be sent: Telegram's HTML, placeholders, lengths, the menu tree and day ranges.

Each check raises ValidationError naming the key (such as "screens.why.text") and the problem; bot.content.packs
adds the file.
"""

import re
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from string import Formatter

MAX_MESSAGE = 4096
MAX_TOAST = 200
MAX_LABEL = 40
MIN_COMMAND, MAX_COMMAND = 3, 256

# The tags Telegram's HTML parse mode accepts, and the attributes each may carry.
_PLAIN_TAGS = ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "tg-spoiler")
TAGS: Mapping[str, frozenset[str]] = {
    **dict.fromkeys(_PLAIN_TAGS, frozenset()),
    "a": frozenset({"href"}),
    "blockquote": frozenset({"expandable"}),
}
# Telegram knows only these named entities, and numeric ones.
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_LINK = re.compile(r"(?:https?|tg)://\S+")
_TAG_LIKE = re.compile(r"</?[a-zA-Z]")


class ValidationError(Exception):
    """A problem at one key of a content file; the message starts with the key."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


def telegram_length(text: str) -> int:
    """Count characters as Telegram does, in UTF-16 code units: an emoji counts as two."""
    return len(text.encode("utf-16-le")) // 2


def string(table: Mapping[str, object], key: str, where: str) -> str:
    """Return a required, non-empty string from a table, without the blank lines around it."""
    value = table.get(key)
    if value is None:
        raise ValidationError(where, "missing")
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(where, "must be a non-empty string")
    return value.strip()


def names(table: Mapping[str, object], key: str, where: str, count: int | None = None) -> tuple[str, ...]:
    """Return a list of distinct, non-empty strings with single spaces, of exactly `count` if given."""
    value = table.get(key)
    if not isinstance(value, list) or not value:
        raise ValidationError(where, "missing: must be a list of strings")
    if count is not None and len(value) != count:
        raise ValidationError(where, f"must have {count} entries, not {len(value)}")
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item or item != " ".join(item.split()):
            raise ValidationError(f"{where}[{index}]", "must be a non-empty string with single spaces")
        if item.casefold() in seen:
            raise ValidationError(f"{where}[{index}]", f"{item!r} is listed twice")
        seen.add(item.casefold())
    return tuple(value)


def no_unknown_keys(where: str, table: Mapping[str, object], known: frozenset[str]) -> None:
    """Refuse keys a table should not have, which are usually typos."""
    unknown = sorted(set(table) - known)
    if unknown:
        spot = f"{where}.{unknown[0]}" if where else unknown[0]
        raise ValidationError(spot, f"unknown key; expected {', '.join(sorted(known))}")


def check_placeholders(
    where: str,
    text: str,
    allowed: frozenset[str],
    required: frozenset[str] = frozenset(),
    anywhere: frozenset[str] = frozenset(),
) -> None:
    """Allow only plain {name} placeholders from `allowed` or `anywhere`, and require those in `required`.

    `anywhere` holds the values every text may use (the triage thresholds); the error lists them apart.
    """
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as error:
        raise ValidationError(where, f"unbalanced braces ({error}); write a brace as {{{{ or }}}}") from error
    used = set()
    for _literal, name, spec, conversion in parsed:
        if name is not None and (not name.isidentifier() or spec or conversion):
            raise ValidationError(where, f"write placeholders as {{name}}, not {{{name}...}}")
        if name is not None:
            used.add(name)
    unknown, missing = sorted(used - allowed - anywhere), sorted(required - used)
    if unknown:
        listed = " ".join(f"{{{name}}}" for name in sorted(allowed)) or "none"
        everywhere = " ".join(f"{{{name}}}" for name in sorted(anywhere))
        also = f"; in any text: {everywhere}" if everywhere else ""
        raise ValidationError(where, f"unknown placeholder {{{unknown[0]}}}; allowed here: {listed}{also}")
    if missing:
        raise ValidationError(where, f"must use {{{missing[0]}}}")


def check_sendable(where: str, text: str, limit: int = MAX_MESSAGE) -> None:
    """Require text, as it will be sent, to be valid Telegram HTML within a message's (or a caption's) length."""
    for ampersand in re.finditer("&", text):
        if not _ENTITY.match(text, ampersand.start()):
            near = text[ampersand.start() : ampersand.start() + 10]
            raise ValidationError(where, f"HTML: bad entity at {near!r}; write & as &amp;")
    parser = _TelegramHtml(where)
    parser.feed(text)
    parser.close()
    if parser.open_tags:
        raise ValidationError(where, f"HTML: <{parser.open_tags[-1]}> is never closed")
    length = telegram_length(text)
    if length > limit:
        raise ValidationError(where, f"too long: {length} characters with the longest values (at most {limit})")


def check_plain(where: str, text: str, shortest: int, longest: int) -> None:
    """Require plain text (a button, a toast, a command) without HTML, within a length range."""
    if _TAG_LIKE.search(text):
        raise ValidationError(where, "plain text: HTML tags would show as they are")
    if not shortest <= telegram_length(text) <= longest:
        raise ValidationError(where, f"must be {shortest} to {longest} characters, not {telegram_length(text)}")


def check_tree(
    main: str,
    parents: Mapping[str, str | None],
    links: Mapping[str, Sequence[tuple[str, str]]],
    actions: frozenset[str] = frozenset(),
) -> None:
    """Require buttons to name real screens or actions, parents real screens, no parent cycles, every screen reachable.

    A button to an action (such as starting a check-in) opens no screen, so it plays no part in reachability.
    """
    for screen_id, parent in parents.items():
        if screen_id in actions:
            raise ValidationError(f"screens.{screen_id}", f'"{screen_id}" is the name of an action; pick another id')
        for where, target in links[screen_id]:
            if target not in parents and target not in actions:
                known = ", ".join(sorted(actions)) or "none"
                raise ValidationError(where, f'no screen or action named "{target}" (actions: {known})')
        where = f"screens.{screen_id}.parent"
        if screen_id == main and parent is not None:
            raise ValidationError(where, "the main screen has no parent")
        if screen_id != main and parent not in parents:
            raise ValidationError(where, f'no screen named "{parent}"' if parent else "missing")
    for screen_id in parents:
        chain = [screen_id]
        while (parent := parents[chain[-1]]) is not None:
            if parent in chain:
                cycle = " -> ".join([*chain[chain.index(parent) :], parent])
                raise ValidationError(f"screens.{chain[-1]}.parent", f"parent cycle: {cycle}")
            chain.append(parent)
    reached, todo = {main}, [main]
    while todo:
        targets = {target for _where, target in links[todo.pop()] if target not in actions}
        todo.extend(sorted(targets - reached))
        reached |= targets
    for screen_id in parents:
        if screen_id not in reached:
            raise ValidationError(f"screens.{screen_id}", "unreachable: no button leads here from the main screen")


def check_day_ranges(spans: Sequence[tuple[object, object]]) -> None:
    """Require (first, last) day ranges to run from day 0 with no gap or overlap, only the final one open."""
    expected: int | None = 0
    for index, (first, last) in enumerate(spans):
        where = f"day[{index}]"
        if expected is None:
            raise ValidationError(where, f"day[{index - 1}] has no last, so it already covers every later day")
        if not isinstance(first, int) or isinstance(first, bool):
            raise ValidationError(f"{where}.first", "must be a whole number")
        if first > expected:
            raise ValidationError(f"{where}.first", f"gap: days {expected} to {first - 1} are not covered")
        if first < expected:
            raise ValidationError(
                f"{where}.first", f"overlap: day {first} is already covered" if index else "must be 0"
            )
        if last is not None and (not isinstance(last, int) or isinstance(last, bool) or last < first):
            raise ValidationError(f"{where}.last", "must be a whole number, at least first")
        expected = None if last is None else last + 1
    if expected is not None:
        raise ValidationError(
            f"day[{len(spans) - 1}].last", "leave last out of the final range to cover every later day"
        )


class _TelegramHtml(HTMLParser):
    """Walks a text and raises ValidationError at the first thing outside Telegram's HTML."""

    def __init__(self, where: str) -> None:
        super().__init__(convert_charrefs=False)
        self.where = where
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Accept a supported tag with only its allowed attributes, and remember that it is open."""
        allowed = TAGS.get(tag)
        if allowed is None:
            raise ValidationError(self.where, f"HTML: unsupported tag <{tag}>; Telegram allows {', '.join(TAGS)}")
        attributes = [name for name, _value in attrs]
        if not set(attributes) <= allowed or len(set(attributes)) != len(attributes):
            raise ValidationError(self.where, f"HTML: <{tag}> cannot have the attributes {', '.join(attributes)}")
        if tag == "a" and not _LINK.fullmatch(dict(attrs).get("href") or ""):
            raise ValidationError(self.where, 'HTML: <a> needs href="https://..."')
        self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Refuse self-closing tags such as <br/>: Telegram has none."""
        raise ValidationError(self.where, f"HTML: unsupported tag <{tag}/>; use a line break")

    def handle_endtag(self, tag: str) -> None:
        """Accept a closing tag only for the innermost open tag."""
        if not self.open_tags or self.open_tags[-1] != tag:
            expected = f"</{self.open_tags[-1]}>" if self.open_tags else "no closing tag"
            raise ValidationError(self.where, f"HTML: </{tag}> found where {expected} was expected")
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        """Refuse a bare < or >, which Telegram wants written as &lt; or &gt;."""
        if "<" in data or ">" in data:
            raise ValidationError(self.where, "HTML: write < and > in text as &lt; and &gt;")

    def handle_comment(self, data: str) -> None:
        """Refuse an HTML comment, which Telegram does not accept."""
        raise ValidationError(self.where, f"HTML: comments are not allowed: {data[:20]!r}")

    def handle_decl(self, decl: str) -> None:
        """Refuse a declaration such as <!DOCTYPE>."""
        raise ValidationError(self.where, f"HTML: declarations are not allowed: {decl[:20]!r}")

    def unknown_decl(self, data: str) -> None:
        """Refuse a CDATA section."""
        raise ValidationError(self.where, f"HTML: unsupported markup: {data[:20]!r}")

    def handle_pi(self, data: str) -> None:
        """Refuse a processing instruction such as <?xml?>."""
        raise ValidationError(self.where, f"HTML: unsupported markup: {data[:20]!r}")
