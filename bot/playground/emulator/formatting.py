"""Text formatting the way the Bot API does it: HTML, MarkdownV2 and legacy Markdown.

The parsers turn marked-up text into plain text plus spans (code-point offsets); the
spans become MessageEntity dicts with UTF-16 offsets in :func:`to_entities`. Error texts
follow Telegram's ``can't parse entities: ...`` wording where it is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024


class EntityParseError(ValueError):
    """Carries the part of the description that follows "can't parse entities: "."""


@dataclass(slots=True)
class Span:
    type: str
    start: int  # code-point offsets into the plain text
    end: int
    extra: dict[str, Any] = field(default_factory=dict)


def _byte_offset(source: str, index: int) -> int:
    # Telegram reports positions as UTF-8 byte offsets into the original text.
    return len(source[:index].encode("utf-8"))


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_SPECIAL = re.compile(r"[<&]")
_HTML_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]{1,10}));")
_USER_LINK = re.compile(r"tg://user\?id=([0-9]{1,20})$")


def _decode_entity(source: str, index: int) -> tuple[str, int] | None:
    match = _HTML_ENTITY.match(source, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        if char is None:
            return None
        return char, match.end()
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _decode_attribute(raw: str) -> str:
    if "&" not in raw:
        return raw
    parts: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "&" and (decoded := _decode_entity(raw, i)) is not None:
            parts.append(decoded[0])
            i = decoded[1]
        else:
            parts.append(raw[i])
            i += 1
    return "".join(parts)


@dataclass(slots=True)
class _OpenTag:
    name: str
    span: Span | None


def _parse_attributes(source: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes of a start tag from ``i``; returns them and the index after ``>``."""
    n = len(source)
    attributes: dict[str, str] = {}

    def unclosed() -> EntityParseError:
        return EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")

    while True:
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise unclosed()
        if source[i] == ">":
            return attributes, i + 1
        start = i
        while i < n and not source[i].isspace() and source[i] not in "=>":
            i += 1
        if i == start:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(source, begin)}"
            )
        name = source[start:i].lower()
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise unclosed()
        if source[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attributes[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(source, begin)}"
            )
        i += 1
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise unclosed()
        if source[i] in "\"'":
            end = source.find(source[i], i + 1)
            if end == -1:
                raise unclosed()
            raw = source[i + 1 : end]
            i = end + 1
        else:
            start = i
            while i < n and not source[i].isspace() and source[i] != ">":
                i += 1
            raw = source[start:i]
        attributes[name] = _decode_attribute(raw)


def _span_for_tag(
    name: str, attributes: dict[str, str], position: int, stack: list[_OpenTag], offset: int
) -> Span | None:
    kind = _HTML_TAGS[name]
    if name == "span":
        if attributes.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
    elif name == "a":
        href = attributes.get("href", "")
        if not href:
            return None
        if user := _USER_LINK.match(href):
            return Span("text_mention", position, position, {"user_id": int(user.group(1))})
        return Span("text_link", position, position, {"url": href})
    elif name == "code":
        css = attributes.get("class", "")
        parent = stack[-1].span if stack else None
        if parent is not None and parent.type == "pre":
            # <pre><code class="language-x"> is a single pre entity with a language.
            if css.startswith("language-") and "language" not in parent.extra:
                parent.extra["language"] = css[len("language-") :]
            return None
    elif name == "blockquote":
        if "expandable" in attributes:
            kind = "expandable_blockquote"
    elif name == "tg-emoji":
        emoji_id = attributes.get("emoji-id", "")
        if not emoji_id:
            return None
        return Span(kind, position, position, {"custom_emoji_id": emoji_id})
    return Span(kind, position, position)


def parse_html(source: str, *, strict: bool = True) -> tuple[str, list[Span]]:
    """Parse Telegram-flavoured HTML.

    With ``strict`` a bare ``&`` that does not start a supported entity is an error; real
    Telegram keeps it literally, but rejecting it catches missing ``html.escape`` calls.
    """
    out: list[str] = []
    position = 0
    stack: list[_OpenTag] = []
    spans: list[Span] = []
    i, n = 0, len(source)
    while i < n:
        match = _HTML_SPECIAL.search(source, i)
        j = match.start() if match else n
        if j > i:
            out.append(source[i:j])
            position += j - i
            i = j
            if i >= n:
                break
        if source[i] == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                out.append(decoded[0])
                position += 1
                i = decoded[1]
                continue
            if strict:
                raise EntityParseError(
                    f"Character '&' at byte offset {_byte_offset(source, i)} does not start "
                    'a supported HTML entity and must be escaped as "&amp;"'
                )
            out.append("&")
            position += 1
            i += 1
            continue
        begin = i
        if i + 1 < n and source[i + 1] == "/":
            close = source.find(">", i + 2)
            if close == -1:
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(source, begin)}"
                )
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(source, begin)}"
                )
            top = stack.pop()
            if name != top.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            if top.span is not None and position > top.span.start:
                top.span.end = position
                spans.append(top.span)
            i = close + 1
            continue
        j = i + 1
        while j < n and not source[j].isspace() and source[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(source, begin)}"
            )
        name = source[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}'
            )
        attributes, i = _parse_attributes(source, j, name, begin)
        span = _span_for_tag(name, attributes, position, stack, _byte_offset(source, begin))
        stack.append(_OpenTag(name, span))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return "".join(out), spans


# --------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "code": "Code",
    "pre": "Pre",
}
_EMOJI_URL = re.compile(r"tg://emoji\?id=([0-9]{1,20})$")


@dataclass(slots=True)
class _OpenMark:
    type: str
    start: int  # position in the plain text
    source_index: int
    extra: dict[str, Any] = field(default_factory=dict)


def _reserved(char: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def _read_link_target(source: str, i: int) -> tuple[str, int]:
    """Read ``(url)`` starting at ``source[i] == '('``; backslash escapes ``)`` and ``\\``."""
    n = len(source)
    parts: list[str] = []
    j = i + 1
    while j < n and source[j] != ")":
        if source[j] == "\\" and j + 1 < n:
            j += 1
        parts.append(source[j])
        j += 1
    if j >= n:
        raise EntityParseError(f"Can't find end of a URL at byte offset {_byte_offset(source, i)}")
    return "".join(parts), j + 1


def _close_link(mark: _OpenMark, position: int, source: str, i: int) -> tuple[Span | None, int]:
    """Finish ``[text](url)`` / ``![emoji](tg://emoji?id=N)``; ``i`` is just after ``]``."""
    url = ""
    if i < len(source) and source[i] == "(":
        url, i = _read_link_target(source, i)
    if mark.type == "custom_emoji":
        emoji = _EMOJI_URL.match(url)
        if emoji is None:
            raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
        return Span("custom_emoji", mark.start, position, {"custom_emoji_id": emoji.group(1)}), i
    if not url:
        return None, i
    if user := _USER_LINK.match(url):
        return Span("text_mention", mark.start, position, {"user_id": int(user.group(1))}), i
    return Span("text_link", mark.start, position, {"url": url}), i


def parse_markdown_v2(source: str) -> tuple[str, list[Span]]:
    """Parse MarkdownV2; a close approximation of Telegram's rules, including errors."""
    out: list[str] = []
    position = 0
    spans: list[Span] = []
    stack: list[_OpenMark] = []
    quote: Span | None = None
    line_start = True
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        top = stack[-1] if stack else None
        if char == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            out.append(source[i + 1])
            position += 1
            line_start = source[i + 1] == "\n"
            i += 2
            continue
        if top is not None and top.type in ("code", "pre"):
            closing = 1 if top.type == "code" else 3
            if source.startswith("`" * closing, i):
                if position > top.start:
                    spans.append(Span(top.type, top.start, position, top.extra))
                stack.pop()
                i += closing
            else:
                out.append(char)
                position += 1
                i += 1
            continue
        if char == "\n":
            if quote is not None and not source.startswith(">", i + 1):
                quote.end = position
                if quote.end > quote.start:
                    spans.append(quote)
                quote = None
            out.append(char)
            position += 1
            line_start = True
            i += 1
            continue
        if char == ">" and line_start:
            if quote is None:
                quote = Span("blockquote", position, position)
            line_start = False
            i += 1
            continue
        line_start = False
        if char not in _MDV2_RESERVED:
            out.append(char)
            position += 1
            i += 1
            continue
        if top is not None:
            closing = 0
            if (
                (top.type == "bold" and char == "*")
                or (top.type == "italic" and char == "_" and not source.startswith("__", i))
                or (top.type == "strikethrough" and char == "~")
            ):
                closing = 1
            elif (top.type == "underline" and source.startswith("__", i)) or (
                top.type == "spoiler" and source.startswith("||", i)
            ):
                closing = 2
            elif top.type in ("text_link", "custom_emoji") and char == "]":
                stack.pop()
                span, i = _close_link(top, position, source, i + 1)
                if span is not None and span.end > span.start:
                    spans.append(span)
                continue
            if closing:
                stack.pop()
                if position > top.start:
                    spans.append(Span(top.type, top.start, position))
                i += closing
                continue
        begin = i
        if char == "_":
            kind, i = ("underline", i + 2) if source.startswith("__", i) else ("italic", i + 1)
        elif char == "*":
            kind, i = "bold", i + 1
        elif char == "~":
            kind, i = "strikethrough", i + 1
        elif char == "|":
            if not source.startswith("||", i):
                raise _reserved(char)
            kind, i = "spoiler", i + 2
        elif char == "[":
            kind, i = "text_link", i + 1
        elif char == "!":
            if not source.startswith("![", i):
                raise _reserved(char)
            kind, i = "custom_emoji", i + 2
        elif char == "`":
            if source.startswith("```", i):
                kind, i = "pre", i + 3
                newline = source.find("\n", i)
                extra: dict[str, Any] = {}
                if newline != -1:
                    language = source[i:newline]
                    if not any(c.isspace() or c == "`" for c in language):
                        if language:
                            extra["language"] = language
                        i = newline + 1
                stack.append(_OpenMark(kind, position, begin, extra))
                continue
            kind, i = "code", i + 1
        else:
            raise _reserved(char)
        stack.append(_OpenMark(kind, position, begin))
    if quote is not None:
        quote.end = position
        if quote.end > quote.start:
            spans.append(quote)
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_TYPE_NAMES[top.type]} entity at byte offset "
            f"{_byte_offset(source, top.source_index)}"
        )
    return "".join(out), spans


# ------------------------------------------------------------------ legacy Markdown

_MD_MARKS = {"*": "bold", "_": "italic", "`": "code"}


def parse_markdown(source: str) -> tuple[str, list[Span]]:
    """Parse the legacy ``Markdown`` mode: *bold* _italic_ `code` ```pre``` [text](url)."""
    out: list[str] = []
    position = 0
    spans: list[Span] = []
    i, n = 0, len(source)

    def unclosed(begin: int) -> EntityParseError:
        return EntityParseError(
            f"Can't find end of the entity starting at byte offset {_byte_offset(source, begin)}"
        )

    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.append(source[i + 1])
            position += 1
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            position += 1
            i += 1
            continue
        begin = i
        if char == "[":
            close = source.find("]", i + 1)
            if close == -1:
                raise unclosed(begin)
            label = source[i + 1 : close]
            url = ""
            i = close + 1
            if source.startswith("(", i):
                end = source.find(")", i)
                if end == -1:
                    raise unclosed(begin)
                url, i = source[i + 1 : end], end + 1
            out.append(label)
            if url and label:
                if user := _USER_LINK.match(url):
                    extra: dict[str, Any] = {"user_id": int(user.group(1))}
                    spans.append(Span("text_mention", position, position + len(label), extra))
                else:
                    spans.append(Span("text_link", position, position + len(label), {"url": url}))
            position += len(label)
            continue
        if source.startswith("```", i):
            end = source.find("```", i + 3)
            if end == -1:
                raise unclosed(begin)
            body = source[i + 3 : end]
            extra = {}
            newline = body.find("\n")
            if newline > 0 and not any(c.isspace() for c in body[:newline]):
                extra["language"] = body[:newline]
                body = body[newline + 1 :]
            out.append(body)
            if body:
                spans.append(Span("pre", position, position + len(body), extra))
            position += len(body)
            i = end + 3
            continue
        end = source.find(char, i + 1)
        if end == -1:
            raise unclosed(begin)
        body = source[i + 1 : end]
        out.append(body)
        if body:
            spans.append(Span(_MD_MARKS[char], position, position + len(body)))
        position += len(body)
        i = end + 1
    return "".join(out), spans


# ------------------------------------------------------------- post-processing

_AUTO_ENTITY = re.compile(
    r"(?P<url>\bhttps?://[^\s<>\"]+)"
    r"|(?P<email>(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    r"|(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/]))"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{5,32}(?!\w))"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d_]\w*)"
)
# Explicit entities that hide whatever Telegram would otherwise detect inside them.
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})


def detect_entities(text: str, spans: list[Span] | None = None) -> list[Span]:
    """Find what Telegram highlights on its own: URLs, e-mails, commands, mentions, hashtags."""
    if not any(c in text for c in "/@#:"):
        return []
    blocked = [(s.start, s.end) for s in spans or () if s.type in _OPAQUE]
    found: list[Span] = []
    for match in _AUTO_ENTITY.finditer(text):
        kind = match.lastgroup or ""
        start, end = match.span()
        if kind == "url":
            while end > start and text[end - 1] in ".,;:!?)]'":
                end -= 1
        if any(start < b_end and b_start < end for b_start, b_end in blocked):
            continue
        found.append(Span(kind, start, end))
    return found


def strip_text(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Trim surrounding whitespace as Telegram does and clip the spans to what is left."""
    stripped = text.strip()
    if len(stripped) == len(text):
        return text, spans
    lead = len(text) - len(text.lstrip())
    clipped: list[Span] = []
    for span in spans:
        start = min(max(span.start - lead, 0), len(stripped))
        end = min(max(span.end - lead, 0), len(stripped))
        if end > start:
            clipped.append(Span(span.type, start, end, span.extra))
    return stripped, clipped


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_index(text: str) -> Callable[[int], int]:
    if text.isascii() or max(text) < "\U00010000":
        return lambda index: index
    prefix = [0]
    total = 0
    for char in text:
        total += 2 if ord(char) > 0xFFFF else 1
        prefix.append(total)
    return prefix.__getitem__


def to_entities(
    text: str,
    spans: list[Span],
    resolve_user: Callable[[int], dict[str, Any] | None] | None = None,
) -> list[dict[str, Any]]:
    """Turn spans into MessageEntity dicts (UTF-16 offsets), sorted like Telegram sorts them."""
    index = _utf16_index(text)
    entities: list[dict[str, Any]] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        offset = index(span.start)
        entity: dict[str, Any] = {
            "type": span.type,
            "offset": offset,
            "length": index(span.end) - offset,
        }
        if span.type == "text_mention":
            user = resolve_user(span.extra["user_id"]) if resolve_user else None
            if user is None:
                continue  # Telegram silently drops mentions of users the bot can't see
            entity["user"] = user
        else:
            entity.update(span.extra)
        entities.append(entity)
    return entities


def check_entities(text: str, raw: Any) -> list[dict[str, Any]]:
    """Validate an explicit ``entities`` array sent by the bot (UTF-16 offsets)."""
    if not isinstance(raw, list):
        raise EntityParseError("entities must be an array")
    limit = utf16_length(text)
    result: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise EntityParseError("entity must be an object with a type")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0:
            raise EntityParseError("entity offset and length must be integers")
        if length <= 0 or offset >= limit:
            continue
        entity = dict(item)
        entity["length"] = min(length, limit - offset)
        result.append(entity)
    return result
