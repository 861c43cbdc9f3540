"""Button data of the supervisors' commands (``sv:…``): the shapes only — packing and checking is
``handlers.callbacks.CallbackData``, the one place button data is turned into text and back.

Every area, period and id here comes back from a client that may have forged it: ``unpack`` refuses what this code
could not have produced, and the handler checks the area against the presser's scope again
(``handlers.supervisor.common.area_in_scope``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.callbacks import CallbackData
from models.period import Period

# -- supervisors (sv:…) -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryButton(CallbackData):
    """``sv:rk:<area>:<period>``: a sub-area, the parent, or another period of /ringkasan."""

    prefix = "sv:rk"
    area: str
    period: Period


@dataclass(frozen=True)
class OverdueButton(CallbackData):
    """``sv:tg:<area>:<page>``: a page of /tunggakan."""

    prefix = "sv:tg"
    area: str
    page: int


@dataclass(frozen=True)
class ComplianceButton(CallbackData):
    """``sv:kp:<area>:<period>``: the /kepatuhan overview."""

    prefix = "sv:kp"
    area: str
    period: Period


@dataclass(frozen=True)
class ComplianceMembersButton(CallbackData):
    """``sv:kp:<area>:<period>:<commitment index>:<page>``: the members behind one commitment's gap."""

    prefix = "sv:kp"
    area: str
    period: Period
    index: int
    page: int


@dataclass(frozen=True)
class PendampingButton(CallbackData):
    """``sv:pd:<user>``: one pendamping's record; forged ids are answered like unknown ones by the scoped query."""

    prefix = "sv:pd"
    user_id: int


@dataclass(frozen=True)
class PendampingPageButton(CallbackData):
    """``sv:pl:<area>:<page>``: a page of the pendamping board."""

    prefix = "sv:pl"
    area: str
    page: int


@dataclass(frozen=True)
class ChartButton(CallbackData):
    """``sv:gr:<kind|menu>:<area>``: a chart, or the menu of charts; the handler checks the kind."""

    prefix = "sv:gr"
    kind: str
    area: str


@dataclass(frozen=True)
class ExportButton(CallbackData):
    """``sv:ek:<kind|menu>:<area>:<period>``: an export, or the menu of exports; the handler checks the kind."""

    prefix = "sv:ek"
    kind: str
    area: str
    period: Period


@dataclass(frozen=True)
class ReviewButton(CallbackData):
    """``sv:tj:<action>:<visit>`` on a /tinjau card: approve (ok), return (rt), skip (sk), cancel a return and
    show the card again (x; ``x:-`` when none), send the photo (ft), open this report's card (op), or the queue
    from its start (``nx:-``)."""

    prefix = "sv:tj"
    action: Literal["ok", "rt", "sk", "x", "ft", "op", "nx"]
    visit_id: str


@dataclass(frozen=True)
class ReviewChangeButton(CallbackData):
    """``sv:tj:dc:ok|no:<change>``: accept or reject one data change on the card of the report that proposed it."""

    prefix = "sv:tj:dc"
    action: Literal["ok", "no"]
    change_id: int


@dataclass(frozen=True)
class ReviewSectionButton(CallbackData):
    """``sv:tj:sc:<visit>:<section|semua>``: the section a returned report must fix; the handler checks it."""

    prefix = "sv:tj:sc"
    visit_id: str
    section: str


@dataclass(frozen=True)
class ChangeButton(CallbackData):
    """``sv:dc:ok|no|nx:<change>``: verify, reject or skip a proposed data change (``nx:0`` starts the queue)."""

    prefix = "sv:dc"
    action: Literal["ok", "no", "nx"]
    change_id: int


@dataclass(frozen=True)
class ReferralButton(CallbackData):
    """``sv:rj:ok|nx:<referral>``: close or skip an open referral (``nx:0`` starts the queue)."""

    prefix = "sv:rj"
    action: Literal["ok", "nx"]
    referral_id: int


@dataclass(frozen=True)
class GraduationPageButton(CallbackData):
    """``sv:gd:pg:<area>:<page>``: a page of /graduasi."""

    prefix = "sv:gd:pg"
    area: str
    page: int


@dataclass(frozen=True)
class GraduationProposeButton(CallbackData):
    """``sv:gd:aj:<household>[:<area>[:<page>]]``: a koordinator asks to propose a household for graduation; the
    list's area and page are where "batal" and the confirmation lead back to (older buttons carry neither)."""

    prefix = "sv:gd:aj"
    household_id: int
    area: str = ""
    page: int = 0


@dataclass(frozen=True)
class GraduationConfirmButton(CallbackData):
    """``sv:gd:ya:<household>:<area>:<page>``: "ya, ajukan" — the proposal itself, then the list again."""

    prefix = "sv:gd:ya"
    household_id: int
    area: str
    page: int


@dataclass(frozen=True)
class GraduationDecisionButton(CallbackData):
    """``sv:gd:ok|no:<proposal>[:<area>[:<page>]]``: an admin's "konfirmasi" or "tolak" on the list, asked once
    more on the list's own message; the area and page lead back to the list (older buttons carry neither)."""

    prefix = "sv:gd"
    decision: Literal["ok", "no"]
    proposal_id: int
    area: str = ""
    page: int = 0


@dataclass(frozen=True)
class GraduationDecidedButton(CallbackData):
    """``sv:gd:yk:ok|no:<proposal>:<area>:<page>``: "ya" to that question — the decision, then the list again."""

    prefix = "sv:gd:yk"
    decision: Literal["ok", "no"]
    proposal_id: int
    area: str
    page: int


@dataclass(frozen=True)
class AnnouncementButton(CallbackData):
    """``sv:um:ok`` sends the draft announcement, ``sv:um:x`` drops it."""

    prefix = "sv:um"
    action: Literal["ok", "x"]


@dataclass(frozen=True)
class AnnouncementStatusButton(CallbackData):
    """``sv:um:st:<announcement>``: how many of its messages went out."""

    prefix = "sv:um:st"
    announcement_id: int


@dataclass(frozen=True)
class AnnouncementAreaButton(CallbackData):
    """``sv:um:ar:<area>``: the area an ambiguous /umumkan meant."""

    prefix = "sv:um:ar"
    area: str


# -- the period close: /penyaluran (sv:py:…) --------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutViewButton(CallbackData):
    """``sv:py:v:<area>:<period>:<a|r|u>[:<page>]``: an area's list (a; the province board for ``36``), its
    suspension recommendations (r) or its unverified households (u), a page of them."""

    prefix = "sv:py:v"
    area: str
    period: Period
    view: Literal["a", "r", "u"] = "a"
    page: int = 0


@dataclass(frozen=True)
class PayoutDecisionButton(CallbackData):
    """``sv:py:d:<ok|no|adj>:<verdict>:<area>:<r|u>:<page>``: confirm a recommendation, override it (asks the
    reason) or adjust a signed list (asks the reason); then back to that page of that list."""

    prefix = "sv:py:d"
    action: Literal["ok", "no", "adj"]
    verdict_id: int
    area: str
    view: Literal["r", "u"]
    page: int


@dataclass(frozen=True)
class PayoutCancelButton(CallbackData):
    """``sv:py:x:<area>:<period>:<r|u>:<page>``: drop the reason being asked for, back to the list."""

    prefix = "sv:py:x"
    area: str
    period: Period
    view: Literal["r", "u"]
    page: int


@dataclass(frozen=True)
class PayoutSignButton(CallbackData):
    """``sv:py:s:<ask|ya>:<area>:<period>``: "✍️ Tandatangani daftar" asks once more; "ya" signs."""

    prefix = "sv:py:s"
    step: Literal["ask", "ya"]
    area: str
    period: Period


@dataclass(frozen=True)
class PayoutExportButton(CallbackData):
    """``sv:py:e:<period>:<signed|all>``: the province's list as XLSX (an admin's), unsigned areas marked in all."""

    prefix = "sv:py:e"
    period: Period
    which: Literal["signed", "all"]
