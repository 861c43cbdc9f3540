"""Every message a person can read exists in English too, and Indonesian formats read naturally."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from handlers.i18n import catalogue, gettext, normalize_language
from handlers.i18n.catalogue import hidden_translators, missing
from handlers.i18n.format import long_date, number, percent


def test_every_message_in_the_code_has_an_english_translation() -> None:
    assert missing("en") == []


def test_every_translator_is_bound_to_a_name_the_extractor_reads() -> None:
    assert hidden_translators() == []


def test_a_translator_under_another_name_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "handlers"
    package.mkdir()
    (package / "texts.py").write_text(
        "from handlers.i18n import translator\n"
        "def a(lang):\n    t = translator(lang)\n    return t('Halo')\n"
        "def b(lang):\n    _, other = translator(lang), 1\n    return _('Halo')\n"
        "def c(lang):\n    tr: object = i18n.translator(lang)\n    return tr\n"
    )
    monkeypatch.setattr(catalogue, "ROOT", tmp_path)
    monkeypatch.setattr(catalogue, "PACKAGES", ("handlers",))
    assert hidden_translators() == ["handlers/texts.py:3 t"]  # ``tr`` is a keyword (the CLI's), ``_`` too


def test_indonesian_is_the_source_and_english_comes_from_the_catalogue() -> None:
    assert gettext("Perintah untuk {role}:", "id") == "Perintah untuk {role}:"
    assert gettext("Perintah untuk {role}:", "en") == "Commands for {role}:"
    assert gettext("kalimat yang tidak ada di katalog", "en") == "kalimat yang tidak ada di katalog"


def test_telegram_language_codes_map_to_supported_languages() -> None:
    assert normalize_language("en-US") == "en"
    assert normalize_language("id") == "id"
    assert normalize_language("fr") == "id"
    assert normalize_language(None) == "id"


def test_dates_and_numbers_read_the_indonesian_way() -> None:
    assert long_date(date(2025, 11, 24)) == "Senin, 24 November 2025"
    assert number(1234567) == "1.234.567"
    assert percent(0.857) == "85,7%"
    assert long_date(date(2025, 11, 24), "en") == "Monday, 24 November 2025"
