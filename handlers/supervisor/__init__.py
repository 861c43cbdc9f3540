"""Supervisors in the chat (issue 8): koordinator and admin ask for summaries, lists, charts and files, review
the field's reports and decide graduations; admins make announcements. One module per command family.

``HANDLERS`` maps a handler group to its handlers: the note a "kembalikan" waits for is read in group -2, ahead
of every other text handler — PTB runs only the first matching handler of a group, and the visit form reads
pendamping input in group -1 (see ``review.take_note``); the reason /penyaluran waits for (an override, an
adjustment) in group -4, before both and before the silencing of edits (-3), so it takes new messages only; everything else is in the default group.
"""

from __future__ import annotations

from handlers.supervisor import (
    announcements,
    charts,
    compliance,
    exports,
    graduation,
    overdue,
    pendamping,
    penyaluran,
    review,
    summary,
)
from handlers.types import HandlerList

NOTE_GROUP = -2
REASON_GROUP = -4  # /penyaluran's awaited reason: its own group (new messages only; edits are silenced in -3)

HANDLERS: dict[int, HandlerList] = {
    REASON_GROUP: penyaluran.REASON_HANDLERS,
    NOTE_GROUP: review.NOTE_HANDLERS,
    0: [
        *summary.HANDLERS,
        *overdue.HANDLERS,
        *compliance.HANDLERS,
        *pendamping.HANDLERS,
        *charts.HANDLERS,
        *exports.HANDLERS,
        *review.HANDLERS,
        *graduation.HANDLERS,
        *penyaluran.HANDLERS,
        *announcements.HANDLERS,
    ],
}
