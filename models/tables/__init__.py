"""Every table, importable from one place; Alembic's autogenerate reads ``Base.metadata`` through here."""

from models.base import Base
from models.tables.access import AccessAttempt
from models.tables.api_key import ApiKey
from models.tables.api_usage import ApiKeyUsage
from models.tables.audit import Audit
from models.tables.disbursement import PeriodAdjustment, PeriodSignoff, PeriodVerdict, Verdict, VerdictReason
from models.tables.form import FormSession, FormStatus
from models.tables.household import (
    Household,
    HouseholdStatus,
    Member,
    MemberStatus,
    Relation,
    SchoolLevel,
    Sex,
)
from models.tables.messaging import INBOX_PENDING, Inbox, InboxStatus, Outbox, OutboxStatus
from models.tables.opd_stats import OpdStatsDesa, OpdStatsDirty, OpdStatsHousehold, OpdStatsState
from models.tables.programme import Programme
from models.tables.region import Region, RegionLevel
from models.tables.reminder_settings import ReminderSetting
from models.tables.rollup import CheckTally, CommitmentGap, CoverageTally, VisitTally
from models.tables.supervision import Announcement, GraduationProposal, ProposalStatus
from models.tables.user import Invite, Role, User
from models.tables.visit import (
    ChangeStatus,
    CheckResult,
    CommitmentCheck,
    DataChange,
    Referral,
    ReferralStatus,
    ReviewStatus,
    Visit,
)

__all__ = [
    "AccessAttempt",
    "Announcement",
    "ApiKey",
    "ApiKeyUsage",
    "Audit",
    "Base",
    "ChangeStatus",
    "CheckTally",
    "CheckResult",
    "CommitmentCheck",
    "CommitmentGap",
    "CoverageTally",
    "DataChange",
    "FormSession",
    "FormStatus",
    "GraduationProposal",
    "Household",
    "HouseholdStatus",
    "INBOX_PENDING",
    "Inbox",
    "InboxStatus",
    "Invite",
    "Member",
    "OpdStatsDesa",
    "OpdStatsDirty",
    "OpdStatsHousehold",
    "OpdStatsState",
    "MemberStatus",
    "Outbox",
    "OutboxStatus",
    "PeriodAdjustment",
    "PeriodSignoff",
    "PeriodVerdict",
    "Programme",
    "ProposalStatus",
    "Referral",
    "ReferralStatus",
    "Region",
    "RegionLevel",
    "ReminderSetting",
    "Relation",
    "ReviewStatus",
    "Role",
    "SchoolLevel",
    "Sex",
    "User",
    "Verdict",
    "VerdictReason",
    "Visit",
    "VisitTally",
]
