"""Who may use the bot: linking a Telegram account to the roster, invite codes, deactivation, language.

Every link, unlink, role change and deactivation writes an audit row. Failed attempts are recorded so one
Telegram account cannot guess phones or codes (``is_throttled``).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.actor import Actor
from models.regions import normalize_region_code
from models.tables import AccessAttempt, Invite, Region, Role, User
from models.validate import contact_phone, normalize_phone

INVITE_TTL = timedelta(days=7)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_MAX_FAILURES = 5
RELINK_REQUEST_TTL = timedelta(days=1)
CONFIRMED_RELINK_ROLES = frozenset({Role.ADMIN, Role.KOORDINATOR})
"""Phone numbers are recycled: whoever gets a supervisor's old number must not inherit their powers by sharing a
contact. Re-linking these entries waits for an admin of the area; a pendamping's is done at once, and told."""


class Outcome(enum.StrEnum):
    LINKED = "linked"
    RELINKED = "relinked"  # same roster phone, new Telegram account: old link dropped
    RELINK_PENDING = "relink_pending"  # an admin's or koordinator's entry: waits for an admin to confirm
    ALREADY_LINKED = "already_linked"
    NOT_ON_ROSTER = "not_on_roster"
    FOREIGN_CONTACT = "foreign_contact"
    DEACTIVATED = "deactivated"
    THROTTLED = "throttled"
    INVALID_CODE = "invalid_code"
    EXPIRED_CODE = "expired_code"
    USED_CODE = "used_code"


@dataclass(frozen=True, slots=True)
class AccessResult:
    outcome: Outcome
    actor: Actor | None = None
    area_name: str | None = None  # for "ask the koordinator of <area>" when refused
    previous_telegram_id: int | None = None  # the account a re-link took the entry from (to be told)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.LINKED, Outcome.RELINKED, Outcome.ALREADY_LINKED)


class UserError(ValueError):
    """A request the caller must correct (unknown phone, bad role …); the message is for people."""


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def actor_for_telegram(session: AsyncSession, telegram_id: int) -> Actor | None:
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    return Actor.of(user) if user is not None else None


async def is_throttled(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    failures = await session.scalar(
        select(func.count())
        .select_from(AccessAttempt)
        .where(
            AccessAttempt.telegram_id == telegram_id,
            AccessAttempt.success.is_(False),
            AccessAttempt.at > now - THROTTLE_WINDOW,
        )
    )
    return (failures or 0) >= THROTTLE_MAX_FAILURES


async def _attempt(session: AsyncSession, telegram_id: int, kind: str, success: bool, now: datetime) -> None:
    session.add(AccessAttempt(telegram_id=telegram_id, kind=kind, success=success, at=now))


async def _unlink_other(session: AsyncSession, telegram_id: int, keep: User, now: datetime) -> None:
    """A Telegram account belongs to one roster entry; drop any older link of it elsewhere."""
    others = await session.scalars(select(User).where(User.telegram_id == telegram_id, User.id != keep.id))
    for other in others:
        other.telegram_id = None
        await audit.record(
            session,
            actor_type="user",
            actor_id=str(telegram_id),
            action="user.unlink",
            entity="user",
            entity_id=str(other.id),
            before={"telegram_id": telegram_id},
            after={"telegram_id": None},
            detail="akun Telegram dipakai untuk pengguna lain",
        )
    await session.flush()


async def link_by_contact(
    session: AsyncSession, *, telegram_id: int, contact_user_id: int | None, phone: str, now: datetime
) -> AccessResult:
    """Match a shared contact to the roster. The contact must be the sender's own."""
    if await is_throttled(session, telegram_id, now):
        return AccessResult(Outcome.THROTTLED)
    if contact_user_id != telegram_id:
        await _attempt(session, telegram_id, "contact", False, now)
        await audit.record(
            session,
            actor_type="user",
            actor_id=str(telegram_id),
            action="user.foreign_contact",
            entity="user",
            entity_id=None,
            before=None,
            after=None,
            detail=f"kontak milik {contact_user_id}",
        )
        return AccessResult(Outcome.FOREIGN_CONTACT)
    roster_phone = contact_phone(phone)  # international form only: 8529… is Hong Kong, never 08529…
    user = None
    if roster_phone is not None:
        user = await session.scalar(select(User).where(User.phone == roster_phone))
    if user is None:
        await _attempt(session, telegram_id, "contact", False, now)
        return AccessResult(Outcome.NOT_ON_ROSTER)
    if not user.active:
        await _attempt(session, telegram_id, "contact", True, now)
        return AccessResult(Outcome.DEACTIVATED, Actor.of(user))
    await _attempt(session, telegram_id, "contact", True, now)
    if user.telegram_id == telegram_id:
        return AccessResult(Outcome.ALREADY_LINKED, Actor.of(user))
    previous = user.telegram_id
    if previous is not None and user.role in CONFIRMED_RELINK_ROLES:
        await _attempt(session, telegram_id, _relink_kind(user.id), True, now)  # the pending request
        await audit.record(
            session,
            actor_type="user",
            actor_id=str(telegram_id),
            action="user.relink_requested",
            entity="user",
            entity_id=str(user.id),
            before={"telegram_id": previous},
            after={"telegram_id": telegram_id},
            detail="menunggu konfirmasi admin",
        )
        return AccessResult(Outcome.RELINK_PENDING, Actor.of(user), previous_telegram_id=previous)
    await _relink(session, user, telegram_id, now, detail="kontak cocok dengan roster")
    return AccessResult(Outcome.RELINKED if previous else Outcome.LINKED, Actor.of(user), previous_telegram_id=previous)


def _relink_kind(user_id: int) -> str:
    return f"rl:{user_id}"


async def _relink(session: AsyncSession, user: User, telegram_id: int, now: datetime, *, detail: str) -> None:
    previous = user.telegram_id
    await _unlink_other(session, telegram_id, user, now)
    user.telegram_id, user.linked_at = telegram_id, now
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(telegram_id),
        action="user.relink" if previous else "user.link",
        entity="user",
        entity_id=str(user.id),
        before={"telegram_id": previous},
        after={"telegram_id": telegram_id},
        detail=detail,
    )


def _covers(area: str, code: str) -> bool:
    return code == area or code.startswith(area + ".")


async def area_admins(session: AsyncSession, area_code: str) -> list[Actor]:
    """Active, linked admins whose area contains ``area_code`` (the province admin covers every area)."""
    admins = await session.scalars(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True), User.telegram_id.is_not(None))
    )
    return [Actor.of(a) for a in admins if _covers(a.area_code, area_code)]


async def confirm_relink(
    session: AsyncSession, *, admin: Actor, user_id: int, telegram_id: int, now: datetime
) -> AccessResult | None:
    """An admin confirms a pending re-link; None when there is nothing to confirm that this admin may confirm
    (no recent request from that account, the entry outside the admin's area, already done, or deactivated)."""
    if admin.role is not Role.ADMIN:
        return None
    user = await session.get(User, user_id)
    if user is None or not user.active or not _covers(admin.area_code, user.area_code):
        return None
    request = await session.scalar(
        select(AccessAttempt).where(
            AccessAttempt.telegram_id == telegram_id,
            AccessAttempt.kind == _relink_kind(user_id),
            AccessAttempt.at > now - RELINK_REQUEST_TTL,
        )
    )
    if request is None or user.telegram_id == telegram_id:
        return None
    previous = user.telegram_id
    request.kind = "rl:done"  # one confirmation per request: a second tap finds nothing
    await _relink(session, user, telegram_id, now, detail=f"dikonfirmasi admin #{admin.id}")
    return AccessResult(Outcome.RELINKED, Actor.of(user), previous_telegram_id=previous)


async def create_invite(
    session: AsyncSession,
    *,
    role: Role,
    area: str,
    now: datetime,
    name: str | None = None,
    created_by: int | None = None,
    ttl: timedelta = INVITE_TTL,
) -> str:
    """Store a hashed one-time code and return the plain code (shown once)."""
    area_code = await _existing_area(session, area)
    code = secrets.token_urlsafe(12)
    invite = Invite(
        code_hash=hash_code(code),
        role=role,
        area_code=area_code,
        name=name,
        created_by=created_by,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session,
        actor_type="user" if created_by else "cli",
        actor_id=str(created_by) if created_by else None,
        action="invite.create",
        entity="invite",
        entity_id=str(invite.id),
        before=None,
        after={"role": role.value, "area": area_code, "name": name, "expires_at": invite.expires_at.isoformat()},
        detail=None,
    )
    return code


async def redeem_invite(
    session: AsyncSession, *, telegram_id: int, code: str, display_name: str, language: str, now: datetime
) -> AccessResult:
    if await is_throttled(session, telegram_id, now):
        return AccessResult(Outcome.THROTTLED)
    invite = await session.scalar(select(Invite).where(Invite.code_hash == hash_code(code)))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        await _attempt(session, telegram_id, "invite", False, now)
        if invite is None:
            return AccessResult(Outcome.INVALID_CODE)
        return AccessResult(Outcome.USED_CODE if invite.used_at is not None else Outcome.EXPIRED_CODE)
    existing = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if existing is not None and existing.active:
        return AccessResult(Outcome.ALREADY_LINKED, Actor.of(existing))
    await _attempt(session, telegram_id, "invite", True, now)
    user = User(
        name=invite.name or display_name,
        role=invite.role,
        area_code=invite.area_code,
        language=language,
        created_at=now,
        linked_at=now,
    )
    session.add(user)
    await session.flush()
    await _unlink_other(session, telegram_id, user, now)
    user.telegram_id = telegram_id
    invite.used_at, invite.used_by = now, user.id
    await audit.record(
        session,
        actor_type="user",
        actor_id=str(telegram_id),
        action="user.link",
        entity="user",
        entity_id=str(user.id),
        before=None,
        after={"telegram_id": telegram_id, "role": user.role.value, "area": user.area_code},
        detail=f"kode undangan #{invite.id}",
    )
    return AccessResult(Outcome.LINKED, Actor.of(user))


async def _existing_area(session: AsyncSession, area: str) -> str:
    code = normalize_region_code(area)
    if await session.get(Region, code) is None:
        raise UserError(f"Wilayah {area} tidak ada dalam daftar wilayah Banten.")
    return code


async def add_user(
    session: AsyncSession, *, name: str, phone: str, role: Role, area: str, actor_label: str = "cli"
) -> User:
    """Add (or update) a roster entry, as ``jsika user add`` and the roster import do."""
    checked = normalize_phone(phone)
    if not checked.ok or not checked.value:
        raise UserError("; ".join(checked.errors) or f"Nomor telepon {phone} tidak valid.")
    area_code = await _existing_area(session, area)
    user = await session.scalar(select(User).where(User.phone == checked.value))
    before = None
    if user is None:
        user = User(name=name, phone=checked.value, role=role, area_code=area_code)
        session.add(user)
    else:
        before = {"name": user.name, "role": user.role.value, "area": user.area_code}
        user.name, user.role, user.area_code = name, role, area_code
    await session.flush()
    await audit.record(
        session,
        actor_type="cli",
        actor_id=actor_label,
        action="user.add" if before is None else "user.update",
        entity="user",
        entity_id=str(user.id),
        before=before,
        after={"name": name, "role": role.value, "area": area_code, "phone": checked.value},
        detail=None,
    )
    return user


async def find_user(session: AsyncSession, who: str) -> User | None:
    """By phone (any Indonesian format) or numeric user id."""
    checked = normalize_phone(who)
    if checked.ok and checked.value:
        found = await session.scalar(select(User).where(User.phone == checked.value))
        if found is not None:
            return found
    if who.isdigit() and len(who) < 10:
        return await session.get(User, int(who))
    return None


async def set_active(session: AsyncSession, user: User, active: bool, *, by: str) -> None:
    if user.active == active:
        return
    user.active = active
    await audit.record(
        session,
        actor_type="user" if by.isdigit() else "cli",
        actor_id=by,
        action="user.activate" if active else "user.deactivate",
        entity="user",
        entity_id=str(user.id),
        before={"active": not active},
        after={"active": active},
        detail=None,
    )


async def set_language(session: AsyncSession, actor: Actor, language: str) -> None:
    user = await session.get(User, actor.id)
    if user is not None and user.language != language:
        await audit.record(
            session,
            actor_type="user",
            actor_id=str(actor.telegram_id),
            action="user.language",
            entity="user",
            entity_id=str(actor.id),
            before={"language": user.language},
            after={"language": language},
            detail=None,
        )
        user.language = language


async def area_name(session: AsyncSession, code: str) -> str:
    region = await session.get(Region, code)
    return region.name if region is not None else code
