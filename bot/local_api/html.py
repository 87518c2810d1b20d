"""Telegram's HTML parse mode: text with tags into plain text and message entities, with Telegram's errors."""

import html
import re
from typing import Any

from bot.local_api.errors import ApiError

_TAG_ENTITY = {  # tag -> entity type, for every tag Telegram's HTML parse mode supports
    tag: kind
    for kind, tags in [
        ("bold", ["b", "strong"]),
        ("italic", ["i", "em"]),
        ("underline", ["u", "ins"]),
        ("strikethrough", ["s", "strike", "del"]),
        ("spoiler", ["tg-spoiler", "span"]),
        ("text_link", ["a"]),
        ("code", ["code"]),
        ("pre", ["pre"]),
        ("blockquote", ["blockquote"]),
        ("custom_emoji", ["tg-emoji"]),
    ]
    for tag in tags
}
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")  # the ones Telegram decodes
_ATTR_RE = re.compile(r"""([a-zA-Z_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _entity_error(detail: str) -> ApiError:
    """Return the error Telegram gives for text it cannot parse."""
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _entity(name: str, start: int, end: int, attrs: dict[str, str]) -> dict[str, Any] | None:
    """Return the message entity a closed tag makes, or None for an empty one or a link without href."""
    if end == start or (name == "a" and not attrs.get("href")):
        return None
    entity: dict[str, Any] = {"type": _TAG_ENTITY[name], "offset": start, "length": end - start}
    if name == "a":
        entity["url"] = attrs["href"]
    elif name == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-style HTML into plain text and entities, raising the ApiError Telegram would give."""
    plain: list[str] = []
    offset, pos = 0, 0
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    while pos < len(text):
        if text[pos] != "<":
            match = _ENTITY_RE.match(text, pos) if text[pos] == "&" else None
            piece = html.unescape(match[0]) if match else text[pos]
            pos = match.end() if match else pos + 1
            plain.append(piece)
            offset += utf16_len(piece)
            continue
        at, end = len(text[:pos].encode()), text.find(">", pos)
        if end < 0:
            raise _entity_error(f"Unclosed start tag at byte offset {at}")
        tag, pos = text[pos + 1 : end], end + 1
        if not tag.startswith("/"):
            name_match = re.match(r"[a-zA-Z][a-zA-Z0-9-]*", tag)
            name = name_match[0].lower() if name_match else ""
            attrs = {a[0].lower(): html.unescape(a[1] or a[2] or a[3]) for a in _ATTR_RE.findall(tag[len(name) :])}
            if name not in _TAG_ENTITY or (name == "span" and attrs.get("class") != "tg-spoiler"):
                raise _entity_error(f'Unsupported start tag "{name}" at byte offset {at}')
            stack.append((name, offset, attrs))
            continue
        if not stack:
            raise _entity_error(f"Unexpected end tag at byte offset {at}")
        name, start, attrs = stack.pop()
        if tag[1:].strip().lower() != name:
            found = tag[1:].strip().lower()
            raise _entity_error(f'Unmatched end tag at byte offset {at}, expected "</{name}>", found "</{found}>"')
        if name == "code" and stack and stack[-1][0] == "pre":  # <pre><code class="language-x"> is one pre entity
            stack[-1][2]["language"] = attrs.get("class", "").removeprefix("language-")
        elif entity := _entity(name, start, offset, attrs):
            entities.append(entity)
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(plain), sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))


def render(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and entities a message shows for text sent with parse_mode."""
    if parse_mode is not None and parse_mode.lower() == "html":
        return parse_html(text)
    return text, []
