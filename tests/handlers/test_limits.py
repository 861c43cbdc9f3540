"""Telegram's limits as the texts meet them: a person's text quoted short, a too-long text cut where HTML stays
valid, a too-big keyboard trimmed (``handlers/render/limits.py``; applied to every call by ``bot/guard.py``)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.guard import fit_call
from bot.sandbox.formatting import parse_text
from handlers.render.limits import fit_keyboard, fit_text, quote, units, visible_length


def test_quote_is_a_short_escaped_excerpt_with_whitespace_collapsed() -> None:
    assert quote("lebak") == "lebak"
    assert quote("  kampung\n\tsukamaju  ") == "kampung sukamaju"
    long = quote("kampung sukamaju " * 300)
    assert len(long) <= 60 and long.endswith("…") and long.startswith("kampung sukamaju")
    assert quote("<b>&</b>", limit=5) == "&lt;b&gt;&amp;…"


def test_a_text_that_fits_is_left_alone() -> None:
    text = "<b>Ringkasan</b> &amp; " + "a" * 4000
    assert fit_text(text, 4096, html=True) is text


def test_a_too_long_html_text_is_cut_to_the_limit_with_its_tags_closed() -> None:
    text = "<b>Judul</b>\n" + "".join(f"• <i>baris {i} &amp; Co</i>\n" for i in range(400))
    assert visible_length(text, html=True) > 4096
    fitted = fit_text(text, 4096, html=True)
    plain, _ = parse_text(fitted, "HTML")  # the sandbox's parser, as strict as Telegram's: it must still parse
    assert len(plain) <= 4096 and plain.rstrip("\n").endswith("…")
    assert fitted.count("<i>") == fitted.count("</i>")


def test_a_cut_never_splits_a_tag_an_entity_or_a_surrogate_pair() -> None:
    text = "<a href='https://example.org/x'>" + "&amp;" * 10 + "</a>" + "😀" * 10
    for limit in range(1, 30):
        fitted = fit_text(text, limit, html=True)
        plain, _ = parse_text(fitted, "HTML")
        assert units(plain) <= limit, (limit, fitted)
    assert fit_text("😀😀😀", 4, html=False) == "😀…"  # an emoji is two units: only one fits before "…"


def test_a_keyboard_over_100_buttons_keeps_the_first_100() -> None:
    rows = [[f"{r}.{c}" for c in range(8)] for r in range(20)]
    fitted = fit_keyboard(rows)
    assert (
        fitted is not None and sum(len(row) for row in fitted) == 100 and fitted[-1] == ["12.0", "12.1", "12.2", "12.3"]
    )
    assert fit_keyboard(rows[:12]) is None


def test_every_call_is_fitted_before_it_is_sent() -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(str(i), callback_data=str(i))] for i in range(150)])
    data: dict[str, Any] = {
        "chat_id": 1,
        "text": "<b>" + "x" * 5000 + "</b>",
        "parse_mode": "HTML",
        "reply_markup": keyboard,
    }
    assert fit_call("sendMessage", data) == ["text 5007→4103", "inline keyboard"]
    assert visible_length(data["text"], html=True) == 4096 and data["text"].endswith("…</b>")
    assert len(data["reply_markup"].inline_keyboard) == 100
    caption: dict[str, Any] = {"chat_id": 1, "photo": "x", "caption": "y" * 2000}
    assert fit_call("sendPhoto", caption) and len(caption["caption"]) == 1024
    toast: dict[str, Any] = {"callback_query_id": "1", "text": "z" * 300}
    assert fit_call("answerCallbackQuery", toast) and len(toast["text"]) == 200
    fine: dict[str, Any] = {"chat_id": 1, "text": "halo"}
    assert fit_call("sendMessage", fine) == [] and fine == {"chat_id": 1, "text": "halo"}
