"""Per-person reminder settings and whether Telegram still lets the bot reach them.

A row exists only for people who changed something or could not be reached; everyone else gets the defaults
(digest at the configured hour, event reminders on). The planner reads this table with a LEFT JOIN, so a missing
row costs nothing and the defaults live in one place (``scheduler/planner.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.tables.household import Member
from models.tables.visit import CheckResult, CommitmentCheck


class ReminderSetting(Base):
    __tablename__ = "reminder_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    digest_hour: Mapped[int | None]  # local hour of the morning digest; None = the configured default
    mute_events: Mapped[bool] = mapped_column(default=False)  # no commitment-event reminders
    # Set when Telegram answered Forbidden (bot blocked); the planner skips the person until they come back.
    unreachable_since: Mapped[datetime | None]
    unreachable_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# The planner's birth reminders look for expected delivery dates in the next 14 days every working morning; a
# partial index (only pregnant members have a date) keeps that a few index pages instead of a scan of 2.6M members.
MEMBER_EDD_INDEX = Index(
    "ix_member_pregnancy_edd",
    Member.pregnancy_edd,
    postgresql_where=Member.pregnancy_edd.is_not(None),
    sqlite_where=Member.pregnancy_edd.is_not(None),
)

# The OPD API pages pregnant women in member-id order (keyset pages); this partial index holds just their ids,
# so a kabupaten's page walks ~1% of the members instead of testing every one (migration 0020).
MEMBER_PREGNANT_ID_INDEX = Index(
    "ix_member_pregnant_id",
    Member.id,
    postgresql_include=["household_id", "pregnancy_edd", "status"],
    postgresql_where=Member.pregnancy_edd.is_not(None),
    sqlite_where=Member.pregnancy_edd.is_not(None),
)

# Escalations read the misses of one period (and probe the period before for each): "tidak memenuhi" is a small
# share of all checks, so a partial index holds just those, and answers from the index alone.
MISSED_CHECK_INDEX = Index(
    "ix_commitment_check_missed",
    CommitmentCheck.period,
    CommitmentCheck.member_id,
    CommitmentCheck.commitment,
    postgresql_where=CommitmentCheck.result == CheckResult.NOT_MET.value,
    sqlite_where=CommitmentCheck.result == CheckResult.NOT_MET.value,
)
