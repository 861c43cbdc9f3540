"""``parse_mode`` parsing: HTML, MarkdownV2 and legacy Markdown into plain text plus entities.

The bot renders its messages with a parse mode; a stray ``<`` or an unescaped ``.`` in MarkdownV2 makes Telegram
refuse the whole message with "can't parse entities". The sandbox parses the same way so such bugs show up in
tests instead of in the field. Entity offsets and lengths are in UTF-16 code units, as in the Bot API. Error texts
follow Telegram's (byte offsets are UTF-8 offsets into the source text).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import ApiError, bad_request


def utf16_len(text: str) -> int:
    """Length as the Bot API counts it for entity offsets (astral characters count twice)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


@dataclass(slots=True)
class _Builder:
    """Accumulates output text and tracks the UTF-16 position as it grows."""

    parts: list[str] = field(default_factory=list)
    pos: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.pos += utf16_len(text)

    def add(self, kind: str, start: int, **extra: Any) -> None:
        length = self.pos - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


# -- HTML ---------------------------------------------------------------------------------------------------

_SIMPLE_TAGS = {
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
    "code": "code",
    "pre": "pre",
}
_OTHER_TAGS = {"a", "span", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)>")
_ATTR = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_SPECIAL = re.compile(r"[<&]")


def _decode_entity(token: str) -> str:
    if token in _NAMED:
        return _NAMED[token]
    code = int(token[2:], 16) if token.startswith("#x") else int(token[1:])
    return chr(code) if 0 < code <= 0x10FFFF else ""


@dataclass(slots=True)
class _Open:
    tag: str
    kind: str
    start: int
    extra: dict[str, Any]


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[_Open] = []
    index = 0
    length = len(source)
    while index < length:
        special = _HTML_SPECIAL.search(source, index)
        if special is None:
            out.emit(source[index:])
            break
        out.emit(source[index : special.start()])
        index = special.start()
        if source[index] == "&":
            entity = _HTML_ENTITY.match(source, index)
            if entity is None:
                out.emit("&")
                index += 1
            else:
                out.emit(_decode_entity(entity.group(1)))
                index = entity.end()
            continue
        tag = _TAG.match(source, index)
        if tag is None:
            bad = re.match(r"</?([^\s>]*)", source[index:])
            shown = bad.group(1) if bad else ""
            raise _parse_error(f'Unsupported start tag "{shown}" at byte offset {_byte_offset(source, index)}')
        closing, name, attributes = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
        if closing:
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(source, index)}")
            top = stack.pop()
            if top.tag != name:
                raise _parse_error(
                    f'Unmatched end tag at byte offset {_byte_offset(source, index)}, expected "</{top.tag}>", '
                    f'found "</{name}>"'
                )
            _close_html(out, top, stack)
        else:
            stack.append(_open_html(source, index, name, _attributes(attributes), out.pos))
        index = tag.end()
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.result()


def _attributes(raw: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        value = match.group(2) or match.group(3) or match.group(4) or ""
        found[match.group(1).lower()] = html.unescape(value)
    return found


def _open_html(source: str, index: int, name: str, attrs: dict[str, str], pos: int) -> _Open:
    if name in _SIMPLE_TAGS:
        extra: dict[str, Any] = {}
        if name == "code" and attrs.get("class", "").startswith("language-"):
            extra["language"] = attrs["class"].removeprefix("language-")
        return _Open(name, _SIMPLE_TAGS[name], pos, extra)
    if name not in _OTHER_TAGS:
        raise _parse_error(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, index)}')
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise _parse_error('Tag "span" must have class "tg-spoiler"')
        return _Open(name, "spoiler", pos, {})
    if name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        return _Open(name, kind, pos, {})
    if name == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id:
            raise _parse_error('Tag "tg-emoji" must have attribute "emoji-id"')
        return _Open(name, "custom_emoji", pos, {"custom_emoji_id": emoji_id})
    href = attrs.get("href", "")
    if not href:
        return _Open(name, "", pos, {})
    user = re.fullmatch(r"tg://user\?id=(\d+)", href)
    if user:
        return _Open(name, "text_mention", pos, {"user": {"id": int(user.group(1)), "is_bot": False, "first_name": ""}})
    return _Open(name, "text_link", pos, {"url": href})


def _close_html(out: _Builder, top: _Open, stack: list[_Open]) -> None:
    if top.kind == "code" and stack and stack[-1].kind == "pre":
        if "language" in top.extra:  # <pre><code class="language-x"> is one pre entity with a language
            stack[-1].extra["language"] = top.extra["language"]
        return
    if top.kind:
        out.add(top.kind, top.start, **top.extra)


# -- MarkdownV2 ---------------------------------------------------------------------------------------------

_V2_CODE_SPECIAL = re.compile(r"[\\`]")
_V2_SPECIAL = re.compile(r"[\\_*\[\]()~`>#+\-=|{}.!\n]")
_KIND_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


@dataclass(slots=True)
class _MdOpen:
    kind: str
    start: int
    byte_offset: int
    language: str = ""


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[_MdOpen] = []
    quote_start: int | None = None
    index = 0
    length = len(source)
    while index < length:
        in_code = bool(stack) and stack[-1].kind in ("code", "pre")
        special = (_V2_CODE_SPECIAL if in_code else _V2_SPECIAL).search(source, index)
        if special is None:
            out.emit(source[index:])
            break
        out.emit(source[index : special.start()])
        index = special.start()
        char = source[index]
        if char == "\\":
            if index + 1 < length and 0 < ord(source[index + 1]) < 127:
                out.emit(source[index + 1])
                index += 2
            else:
                out.emit("\\")
                index += 1
            continue
        if char == "\n":
            if quote_start is not None and not source.startswith(">", index + 1):
                out.add("blockquote", quote_start)
                quote_start = None
            out.emit("\n")
            index += 1
            continue
        if char == ">" and (index == 0 or source[index - 1] == "\n") and not in_code:
            if quote_start is None:
                quote_start = out.pos
            index += 1
            continue
        index = _markdown_v2_markup(source, index, out, stack)
    if quote_start is not None:
        out.add("blockquote", quote_start)
    if stack:
        top = stack[-1]
        raise _parse_error(f"Can't find end of {_KIND_NAMES[top.kind]} entity at byte offset {top.byte_offset}")
    return out.result()


def _markdown_v2_markup(source: str, index: int, out: _Builder, stack: list[_MdOpen]) -> int:
    """Handle one markup character at ``index``; return where parsing continues."""
    char = source[index]
    top = stack[-1].kind if stack else None
    if char == "`":
        if source.startswith("```", index):
            if top == "pre":
                _close_md(out, stack)
                return index + 3
            opened = _MdOpen("pre", out.pos, _byte_offset(source, index))
            stack.append(opened)
            end_of_line = source.find("\n", index + 3)
            language = source[index + 3 : end_of_line] if end_of_line != -1 else ""
            if re.fullmatch(r"[\w+#.-]+", language):
                opened.language = language
                return end_of_line + 1
            return index + 3
        if top == "code":
            _close_md(out, stack)
        else:
            stack.append(_MdOpen("code", out.pos, _byte_offset(source, index)))
        return index + 1
    kind, width = _V2_MARKS.get(source[index : index + 2], (None, 0))
    if kind is None:
        kind, width = _V2_MARKS.get(char, (None, 0))
    if kind is not None:
        if top == kind:
            _close_md(out, stack)
        elif any(item.kind == kind for item in stack):
            assert top is not None
            raise _parse_error(f"Can't find end of {_KIND_NAMES[top]} entity at byte offset {stack[-1].byte_offset}")
        else:
            stack.append(_MdOpen(kind, out.pos, _byte_offset(source, index)))
        return index + width
    if char == "[":
        stack.append(_MdOpen("text_link", out.pos, _byte_offset(source, index)))
        return index + 1
    if char == "]" and top == "text_link":
        opened = stack.pop()
        if not source.startswith("(", index + 1):
            raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(source, index)}")
        url, after = _read_url(source, index + 2)
        out.add("text_link", opened.start, url=url)
        return after
    raise _parse_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


_V2_MARKS = {
    "*": ("bold", 1),
    "__": ("underline", 2),
    "_": ("italic", 1),
    "~": ("strikethrough", 1),
    "||": ("spoiler", 2),
}


def _read_url(source: str, index: int) -> tuple[str, int]:
    chars: list[str] = []
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            chars.append(source[index + 1])
            index += 2
            continue
        if char == ")":
            return "".join(chars), index + 1
        chars.append(char)
        index += 1
    raise _parse_error("Can't find end of a URL")


def _close_md(out: _Builder, stack: list[_MdOpen]) -> None:
    opened = stack.pop()
    if opened.language:
        out.add(opened.kind, opened.start, language=opened.language)
    else:
        out.add(opened.kind, opened.start)


# -- legacy Markdown ----------------------------------------------------------------------------------------

_LEGACY = {"*": "bold", "_": "italic", "`": "code"}
_LEGACY_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_LEGACY_SPECIAL = re.compile(r"[\\`*_\[]")


def parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    index = 0
    length = len(source)
    while index < length:
        char = source[index]
        if char == "\\" and index + 1 < length and source[index + 1] in "_*`[":
            out.emit(source[index + 1])
            index += 2
        elif source.startswith("```", index):
            end = source.find("```", index + 3)
            if end == -1:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(source, index)}"
                )
            start = out.pos
            out.emit(source[index + 3 : end])
            out.add("pre", start)
            index = end + 3
        elif char in _LEGACY:
            end = source.find(char, index + 1)
            if end == -1:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(source, index)}"
                )
            start = out.pos
            out.emit(source[index + 1 : end])
            out.add(_LEGACY[char], start)
            index = end + 1
        elif char == "[":
            link = _LEGACY_LINK.match(source, index)
            if link is None:
                out.emit(char)
                index += 1
            else:
                start = out.pos
                out.emit(link.group(1))
                out.add("text_link", start, url=link.group(2))
                index = link.end()
        else:
            nxt = _LEGACY_SPECIAL.search(source, index + 1)
            end = nxt.start() if nxt else length
            out.emit(source[index:end])
            index = end
    return out.result()


_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]] | None]:
    """Apply ``parse_mode``; return the plain text and its entities (None when there are none)."""
    if not parse_mode:
        return text, None
    parser = _PARSERS.get(parse_mode.lower())
    if parser is None:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    plain, entities = parser(text)
    return plain, entities or None


def command_entities(text: str) -> list[dict[str, Any]] | None:
    """A user's ``/command`` gets a bot_command entity at offset 0, as Telegram clients produce."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?", text)
    if match is None:
        return None
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
