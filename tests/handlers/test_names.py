"""A name that ends in a full stop ("Budi Santoso, S.Sos.") never gets a second one, in every text that puts a
name before a full stop — both languages (issue 18, "Polish"; the welcome is checked end to end in
tests/e2e/test_polish.py)."""

from __future__ import annotations

import re

import pytest

from handlers import render
from handlers.render import relink, supervisor_review
from models.actor import Actor
from models.tables import Role

NAME = "Budi Santoso, S.Sos."


def _texts(lang: str) -> list[str]:
    admin = Actor(1, "Ibu Ratna", Role.ADMIN, "36", language=lang)
    person = Actor(2, NAME, Role.PENDAMPING, "36.02.05", language=lang)
    return [
        str(render.ask_contact(lang, NAME)["text"]),
        str(relink.admin_request(admin, person, "Muncang", 777)["text"]),
        supervisor_review.proposal_notice("Hidayat", "Muncang", NAME, lang),
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_name_ending_in_a_full_stop_gets_no_second_one(lang: str) -> None:
    for text in _texts(lang):
        assert NAME in text and "S.Sos.." not in text, text
        assert not re.search(r"S\.Sos\.\s*\.", text), text
