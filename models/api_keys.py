"""API keys for other agencies (OPD): one sector, one area, shown once, stored hashed, revocable, rate-limited.

A key looks like ``jsk_AbCd1234_<43 random characters>``. Only its SHA-256 is stored: the key is random and
long, so a slow password hash would add nothing but latency to every call; the ``AbCd1234`` part is kept in the
clear so an admin can tell keys apart in ``jsika apikey list``. ``KeyScope`` is to the OPD API what ``Actor`` is
to the chat: every OPD query takes it, so no query can forget the sector and area of the key.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.regions import RegionCodeError, normalize_region_code
from models.tables import ApiKey, ApiKeyUsage, Region

KEY_PREFIX = "jsk_"
SECTORS = ("pendidikan", "kesehatan", "umkm")
SECTOR_LABELS = {
    "pendidikan": "Dinas Pendidikan — anak usia sekolah",
    "kesehatan": "Dinas Kesehatan — ibu hamil dan balita",
    "umkm": "Dinas Koperasi dan UMKM — keluarga yang dirujuk untuk usaha",
}
MAX_RATE_LIMIT = 100_000


class ApiKeyError(ValueError):
    """Creating or revoking a key was refused; the message is one sentence for the person at the terminal."""


@dataclass(frozen=True, slots=True)
class KeyScope:
    """What one verified key may see: its sector and area, and whether full NIK/KK numbers."""

    key_id: int
    name: str
    prefix: str
    sector: str
    area_code: str
    can_see_nik: bool
    rate_limit_per_minute: int

    @classmethod
    def of(cls, key: ApiKey) -> KeyScope:
        return cls(key.id, key.name, key.prefix, key.sector, key.area_code, key.can_see_nik, key.rate_limit_per_minute)


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    remaining: int
    retry_after_seconds: int


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh key and its display prefix."""
    prefix = secrets.token_urlsafe(6)[:8].replace("-", "x").replace("_", "y")
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    sector: str,
    area: str,
    can_see_nik: bool,
    rate_limit_per_minute: int,
    now: datetime,
    created_by: str = "cli",
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plain key, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ApiKeyError('Nama pemilik kunci wajib diisi, mis. "Dinas Pendidikan".')
    if sector not in SECTORS:
        raise ApiKeyError(f"Sektor {sector!r} tidak dikenal; pilih salah satu: {', '.join(SECTORS)}.")
    if not 1 <= rate_limit_per_minute <= MAX_RATE_LIMIT:
        raise ApiKeyError(f"Batas panggilan per menit harus 1–{MAX_RATE_LIMIT}.")
    try:
        area_code = normalize_region_code(area)
    except RegionCodeError as error:
        raise ApiKeyError(str(error)) from None
    if await session.get(Region, area_code) is None:
        raise ApiKeyError(f"Wilayah {area_code} tidak ada di daftar wilayah Banten.")
    plain, prefix = new_key()
    key = ApiKey(
        name=name,
        sector=sector,
        area_code=area_code,
        key_hash=hash_key(plain),
        prefix=prefix,
        can_see_nik=can_see_nik,
        rate_limit_per_minute=rate_limit_per_minute,
        created_at=now,
    )
    session.add(key)
    await session.flush()
    await audit.record(
        session,
        actor_type="cli",
        actor_id=created_by,
        action="apikey.create",
        entity="api_key",
        entity_id=str(key.id),
        after=_describe(key),
        at=now,
    )
    return key, plain


async def revoke_key(session: AsyncSession, reference: str, now: datetime, by: str = "cli") -> ApiKey | None:
    """Revoke by id or display prefix; None when no such key. Revoking twice keeps the first date."""
    key = await find_key(session, reference)
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = now
        await audit.record(
            session,
            actor_type="cli",
            actor_id=by,
            action="apikey.revoke",
            entity="api_key",
            entity_id=str(key.id),
            before={"revoked": False},
            after={"revoked": True},
            at=now,
        )
    return key


async def find_key(session: AsyncSession, reference: str) -> ApiKey | None:
    reference = reference.strip()
    conditions: list[Any] = [ApiKey.prefix == reference]
    if reference.isdigit():
        conditions.append(ApiKey.id == int(reference))
    if reference.startswith(KEY_PREFIX):
        conditions.append(ApiKey.key_hash == hash_key(reference))
    return (await session.scalars(select(ApiKey).where(or_(*conditions)).order_by(ApiKey.id))).first()


async def list_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.scalars(select(ApiKey).order_by(ApiKey.id))).all()


async def verify(session: AsyncSession, plain: str, now: datetime) -> KeyScope | None:
    """The scope of a valid, unrevoked key; None otherwise (the caller says the same thing for both)."""
    if not plain.startswith(KEY_PREFIX) or len(plain) > 200:
        return None
    key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(plain)))
    if key is None or key.revoked_at is not None:
        return None
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        key.last_used_at = now  # at most one write a minute for this
    return KeyScope.of(key)


def _insert(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(ApiKeyUsage)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(ApiKeyUsage)


async def count_call(session: AsyncSession, scope: KeyScope, now: datetime) -> RateDecision:
    """Count one call in the key's current minute and say whether it is within the limit.

    A fixed one-minute window, counted by an upsert, so several processes serving the API share one count.
    Refused calls count too: a client that ignores 429 does not get through by retrying faster.

    On PostgreSQL the transaction that counts commits without waiting for its WAL flush (``synchronous_commit``
    off, this transaction only): a count lost to a server crash lets a key a few extra calls, while the wait
    for the disk was half of every API call's fixed cost (p95 8 ms per flush on the shared reference box). The
    caller's transaction must therefore hold nothing else that has to survive a crash — the key check and its
    ``last_used_at`` only; the audit row of the call is written and flushed with the query's own transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL synchronous_commit = off"))
    window = now.replace(second=0, microsecond=0)
    stmt = _insert(session).values(api_key_id=scope.key_id, window_start=window, calls=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["api_key_id", "window_start"], set_={"calls": ApiKeyUsage.calls + 1}
    ).returning(ApiKeyUsage.calls)
    calls = int((await session.execute(stmt)).scalar_one())
    if calls == 1:  # the key's first call this minute: forget its old minutes (a primary-key range delete)
        await session.execute(
            delete(ApiKeyUsage).where(
                ApiKeyUsage.api_key_id == scope.key_id, ApiKeyUsage.window_start < window - timedelta(minutes=10)
            )
        )
    limit = scope.rate_limit_per_minute
    retry_after = max(1, 60 - now.second)
    return RateDecision(calls <= limit, max(0, limit - calls), 0 if calls <= limit else retry_after)


async def record_call(
    session: AsyncSession,
    scope: KeyScope,
    *,
    action: str,
    detail: str,
    now: datetime,
    entity: str = "opd_api",
    entity_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Every API call leaves an audit row naming the key, what was asked and how much was returned."""
    await audit.record(
        session,
        actor_type="api_key",
        actor_id=str(scope.key_id),
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        detail=detail[:2000],
        at=now,
    )


def _describe(key: ApiKey) -> dict[str, Any]:
    return {
        "name": key.name,
        "sector": key.sector,
        "area": key.area_code,
        "nik": key.can_see_nik,
        "rate_limit_per_minute": key.rate_limit_per_minute,
        "prefix": key.prefix,
    }
