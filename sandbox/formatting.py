"""Message text handling as Telegram does it: HTML parse mode, entities, UTF-16 lengths.

Telegram measures text and entity offsets in UTF-16 code units, strips leading and trailing
blanks after parsing, and rejects malformed HTML with a byte offset into the UTF-8 source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import bad_request

# The tags Telegram's HTML parse mode knows; anything else is a hard error.
SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "tg-emoji", "code", "pre", "blockquote",
    }
)
SIMPLE_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
}
NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ENTITY_TYPES = frozenset(
    {
        "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number",
        "bold", "italic", "underline", "strikethrough", "spoiler", "blockquote",
        "expandable_blockquote", "code", "pre", "text_link", "text_mention", "custom_emoji",
    }
)
_SPACES = " \t\r\n\v\f"
# Telegram trims these around a message, so a text made only of them is "empty".
_BLANKS = _SPACES + "\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u3000\ufeff"
_LINK_SCHEME = re.compile(r"^(https?|tg|ton)://\S+$", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)+(/\S*)?$")


@dataclass
class Formatted:
    """Plain text plus Bot API entity dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str, *, strict_ampersand: bool = True) -> Formatted:
    """Parse Telegram HTML into text and entities, or raise the 400 Telegram would.

    ``strict_ampersand`` also rejects a bare ``&`` (the Bot API docs require ``&amp;``;
    Telegram itself tolerates it, so this is the one place the sandbox is stricter).
    """
    parsed = _HtmlParser(source, strict_ampersand).run()
    return strip_blanks(parsed.text, parsed.entities)


def strip_blanks(text: str, entities: list[dict[str, Any]]) -> Formatted:
    """Trim leading/trailing blanks and shift or clip entities accordingly."""
    stripped = text.strip(_BLANKS)
    lead = utf16_len(text[: len(text) - len(text.lstrip(_BLANKS))])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return Formatted(stripped, kept)


def parse_entities_param(raw: Any, text: str) -> Formatted:
    """Validate an explicit ``entities``/``caption_entities`` parameter against ``text``."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse entities JSON object") from None
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    total = utf16_len(text)
    entities = []
    for item in raw:
        entity = _check_entity(item)
        # Telegram silently drops entities pointing outside the text.
        if entity["offset"] + entity["length"] <= total and entity["length"] > 0:
            entities.append(entity)
    return strip_blanks(text, entities)


def _check_entity(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise bad_request("can't parse MessageEntity: object expected")
    kind = item.get("type")
    if kind not in ENTITY_TYPES:
        raise bad_request(f"can't parse MessageEntity: unsupported entity type {kind!r}")
    offset, length = item.get("offset"), item.get("length")
    if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 0:
        raise bad_request("can't parse MessageEntity: wrong offset or length")
    return dict(item)


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity Telegram attaches to a text starting with ``/``."""
    match = re.match(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]+)?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def formatting_signature(formatted: Formatted) -> tuple[str, str]:
    """A comparable form of text+entities, for "message is not modified" checks."""
    ordered = sorted(formatted.entities, key=lambda e: (e["offset"], e["length"], e["type"]))
    return formatted.text, json.dumps(ordered, sort_keys=True)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_start: int
    text_start: int


class _HtmlParser:
    """A single-pass parser that mirrors the error reasons of Telegram's HTML parser."""

    def __init__(self, source: str, strict_ampersand: bool):
        self.src = source
        self.pos = 0
        self.strict_ampersand = strict_ampersand
        self.out: list[str] = []
        self.chars = 0
        self.utf16 = 0
        self.open: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> Formatted:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self._character_reference()
            elif char == "<":
                self._tag()
            else:
                self._emit(char)
                self.pos += 1
        if self.open:
            name = self.open[-1].name
            self._fail(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return Formatted("".join(self.out), self.entities)

    # -- helpers -------------------------------------------------------------------------

    def _fail(self, reason: str) -> None:
        raise bad_request(f"can't parse entities: {reason}")

    def _byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.chars += len(text)
        self.utf16 += utf16_len(text)

    def _char(self, index: int) -> str:
        return self.src[index] if index < len(self.src) else ""

    def _skip_spaces(self, index: int) -> int:
        while self._char(index) and self._char(index) in _SPACES:
            index += 1
        return index

    # -- character references ------------------------------------------------------------

    def _character_reference(self) -> None:
        decoded = decode_reference(self.src, self.pos)
        if decoded is None or (self.strict_ampersand and not decoded[2]):
            if self.strict_ampersand:
                offset = self._byte_offset(self.pos)
                self._fail(f'Character "&" must be escaped as "&amp;" at byte offset {offset}')
            self._emit("&")
            self.pos += 1
            return
        char, end, _terminated = decoded
        self._emit(char)
        self.pos = end

    # -- tags ----------------------------------------------------------------------------

    def _tag(self) -> None:
        if self._char(self.pos + 1) == "/":
            self._end_tag()
        else:
            self._start_tag()

    def _start_tag(self) -> None:
        begin = self.pos
        offset = self._byte_offset(begin)
        index = begin + 1
        while self._char(index) and self._char(index) not in _SPACES + ">":
            index += 1
        if not self._char(index):
            self._fail(f"Unclosed start tag at byte offset {offset}")
        name = self.src[begin + 1 : index].lower()
        if name not in SUPPORTED_TAGS:
            self._fail(f'Unsupported start tag "{name}" at byte offset {offset}')
        index, argument = self._attributes(index, name, offset)
        if name == "span" and argument != "spoiler":
            self._fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "tg-emoji" and not argument.isdigit():
            self._fail("Invalid custom emoji identifier specified")
        self.open.append(_OpenTag(name, argument, self.utf16, self.chars))
        self.pos = index + 1

    def _attributes(self, index: int, tag: str, offset: int) -> tuple[int, str]:
        """Read attributes up to the closing ``>``; return its index and the tag argument."""
        argument = ""
        while True:
            index = self._skip_spaces(index)
            if not self._char(index):
                self._fail(f'Unclosed start tag "{tag}" at byte offset {offset}')
            if self._char(index) == ">":
                return index, argument
            name_start = index
            while self._char(index) and self._char(index) not in _SPACES + "=>":
                index += 1
            name = self.src[name_start:index].lower()
            if not name:
                self._fail(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
            index = self._skip_spaces(index)
            if self._char(index) != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "expandable"
                    continue
                self._fail(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {offset}'
                )
            index, value = self._attribute_value(self._skip_spaces(index + 1), tag, offset)
            argument = _tag_argument(tag, name, value, argument)

    def _attribute_value(self, index: int, tag: str, offset: int) -> tuple[int, str]:
        quote = self._char(index)
        if not quote:
            self._fail(f'Unclosed start tag "{tag}" at byte offset {offset}')
        if quote not in "'\"":
            start = index
            while self._char(index).isalnum() or self._char(index) in (".", "-"):
                index += 1
            if not self._char(index) or self._char(index) not in _SPACES + ">":
                token_offset = self._byte_offset(start)
                self._fail(f"Unexpected end of name token at byte offset {token_offset}")
            return index, self.src[start:index].lower()
        value: list[str] = []
        index += 1
        while self._char(index) and self._char(index) != quote:
            decoded = decode_reference(self.src, index) if self._char(index) == "&" else None
            if decoded:
                value.append(decoded[0])
                index = decoded[1]
            else:
                value.append(self._char(index))
                index += 1
        if not self._char(index):
            self._fail(f"Unclosed start tag at byte offset {offset}")
        return index + 1, "".join(value)

    def _end_tag(self) -> None:
        begin = self.pos
        offset = self._byte_offset(begin)
        if not self.open:
            self._fail(f"Unexpected end tag at byte offset {offset}")
        index = begin + 2
        while self._char(index) and self._char(index) not in _SPACES + ">":
            index += 1
        name = self.src[begin + 2 : index].lower()
        index = self._skip_spaces(index)
        if self._char(index) != ">":
            self._fail(f"Unclosed end tag at byte offset {offset}")
        expected = self.open[-1].name
        if name and name != expected:
            self._fail(
                f'Unmatched end tag at byte offset {offset}, expected "</{expected}>", '
                f'found "</{name}>"'
            )
        self._close(self.open.pop())
        self.pos = index + 1

    def _close(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.utf16_start
        if length == 0:
            return
        entity = self._entity_for(tag, length)
        if entity is not None:
            self.entities.append(entity)

    def _entity_for(self, tag: _OpenTag, length: int) -> dict[str, Any] | None:
        base = {"offset": tag.utf16_start, "length": length}
        if tag.name in SIMPLE_ENTITY:
            return {"type": SIMPLE_ENTITY[tag.name], **base}
        if tag.name == "a":
            url = normalize_link(tag.argument or "".join(self.out)[tag.text_start :])
            return {"type": "text_link", **base, "url": url} if url else None
        if tag.name == "tg-emoji":
            return {"type": "custom_emoji", **base, "custom_emoji_id": tag.argument}
        if tag.name == "blockquote":
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            return {"type": kind, **base}
        if tag.name == "code":
            return {"type": "code", **base, **({"language": tag.argument} if tag.argument else {})}
        return self._pre_entity(base)

    def _pre_entity(self, base: dict[str, Any]) -> dict[str, Any]:
        # <pre><code class="language-x">…</code></pre> becomes one "pre" with a language.
        last = self.entities[-1] if self.entities else None
        if last and last["type"] == "code" and last["offset"] == base["offset"]:
            if last["length"] == base["length"]:
                self.entities.pop()
                language = last.get("language")
                return {"type": "pre", **base, **({"language": language} if language else {})}
        return {"type": "pre", **base}


def _tag_argument(tag: str, name: str, value: str, current: str) -> str:
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and name == "emoji-id":
        return value
    return current


def decode_reference(source: str, index: int) -> tuple[str, int, bool] | None:
    """Decode ``&name;``/``&#N;``/``&#xN;`` at ``index``: (char, end index, had semicolon)."""
    end = index + 1
    if source[end : end + 1] == "#":
        hexadecimal = source[end + 1 : end + 2] in ("x", "X")
        end += 2 if hexadecimal else 1
        start = end
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        while end < len(source) and source[end] in digits:
            end += 1
        if end == start:
            return None
        code = int(source[start:end], 16 if hexadecimal else 10)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < len(source) and source[end].isascii() and source[end].isalpha():
            end += 1
        char = NAMED_CHARACTERS.get(source[index + 1 : end], "")
        if not char:
            return None
    terminated = source[end : end + 1] == ";"
    return char, end + 1 if terminated else end, terminated


def normalize_link(url: str) -> str | None:
    """The URL Telegram would store for a text link, or None when it drops the link."""
    url = url.strip()
    if _LINK_SCHEME.match(url):
        return url
    if _BARE_DOMAIN.match(url):
        return f"http://{url}"
    return None
