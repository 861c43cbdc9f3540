"""parse_mode parsing: plain text, entity offsets in UTF-16 units, and Telegram's error wording."""

from __future__ import annotations

import pytest

from bot.sandbox.errors import ApiError
from bot.sandbox.formatting import command_entities, parse_html, parse_markdown, parse_markdown_v2, parse_text


def test_html_entities_and_offsets_count_utf16_units() -> None:
    text, entities = parse_html('😀 <b>Jadwal</b> &lt;3 <a href="https://x.id/?a=1&amp;b=2">link</a>')
    assert text == "😀 Jadwal <3 link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 6},  # the emoji is two UTF-16 units
        {"type": "text_link", "offset": 13, "length": 4, "url": "https://x.id/?a=1&b=2"},
    ]


def test_html_nesting_pre_language_spoiler_and_mentions() -> None:
    text, entities = parse_html(
        '<b>a<i>b</i></b><pre><code class="language-python">x</code></pre>'
        '<span class="tg-spoiler">s</span><a href="tg://user?id=42">u</a><blockquote expandable>q</blockquote>'
    )
    assert text == "abxsuq"
    kinds = [(e["type"], e["offset"], e["length"]) for e in entities]
    assert kinds == [
        ("bold", 0, 2),
        ("italic", 1, 1),
        ("pre", 2, 1),
        ("spoiler", 3, 1),
        ("text_mention", 4, 1),
        ("expandable_blockquote", 5, 1),
    ]
    assert entities[2]["language"] == "python"
    assert entities[4]["user"]["id"] == 42


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("nilai < 5", 'Unsupported start tag "" at byte offset 6'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("é<u>", 'Can\'t find end tag corresponding to start tag "u"'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_errors(source: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(source)
    assert caught.value.error_code == 400
    assert caught.value.description == f"Bad Request: can't parse entities: {message}"


def test_html_byte_offsets_are_utf8() -> None:
    with pytest.raises(ApiError, match="byte offset 3"):
        parse_html("é <x>")


def test_markdown_v2_markup_escapes_links_and_quotes() -> None:
    text, entities = parse_markdown_v2(
        "*tebal* _miring_ __garis__ ~coret~ ||rahasia|| `kode` [situs](https://a.id/\\)) 1\\.000"
    )
    assert text == "tebal miring garis coret rahasia kode situs 1.000"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 5),
        ("italic", 6, 6),
        ("underline", 13, 5),
        ("strikethrough", 19, 5),
        ("spoiler", 25, 7),
        ("code", 33, 4),
        ("text_link", 38, 5),
    ]
    assert entities[-1]["url"] == "https://a.id/)"
    text, entities = parse_markdown_v2(">kutipan\n>dua\nbiasa\n```python\nprint(1)\n```")
    assert text == "kutipan\ndua\nbiasa\nprint(1)\n"
    assert entities[0] == {"type": "blockquote", "offset": 0, "length": 11}
    assert entities[1] == {"type": "pre", "offset": 18, "length": 9, "language": "python"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Rp 1.000", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("(catatan)", "Character '(' is reserved and must be escaped with the preceding '\\'"),
        ("*tebal", "Can't find end of Bold entity at byte offset 0"),
        ("ok _miring", "Can't find end of Italic entity at byte offset 3"),
        ("`kode", "Can't find end of Code entity at byte offset 0"),
    ],
)
def test_markdown_v2_errors(source: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_markdown_v2(source)
    assert caught.value.description == f"Bad Request: can't parse entities: {message}"


def test_legacy_markdown() -> None:
    text, entities = parse_markdown("*b* _i_ `c` [t](https://a.id) 1.000 \\_x")
    assert text == "b i c t 1.000 _x"
    assert [e["type"] for e in entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(ApiError, match="Can't find end of the entity starting at byte offset 2"):
        parse_markdown("a *b")


def test_parse_text_modes_and_commands() -> None:
    assert parse_text("<b>x</b>", None) == ("<b>x</b>", None)
    assert parse_text("<b>x</b>", "html")[0] == "x"  # parse_mode is case-insensitive
    assert command_entities("/start@jsika_bot abc") == [{"type": "bot_command", "offset": 0, "length": 16}]
    assert command_entities("halo /start") is None
