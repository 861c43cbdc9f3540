"""OPD API v1: read-only access for other agencies to their sector's households, members and referrals.

Each call: the key is verified and counted against its per-minute limit (``auth``), the query runs through the
key's ``KeyScope`` (``models/queries/opd.py``), and an audit row records who asked what and how many rows went
out. The one write is a referral's status (accepted / handled, with a note).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar, cast

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.web import audit as web_audit
from bot.web.context import WebContext, web_context
from bot.web.errors import ApiError
from bot.web.schemas import (
    ErrorResponse,
    HouseholdOut,
    KeyInfo,
    MemberOut,
    Page,
    ReferralOut,
    ReferralUpdate,
    StatsOut,
)
from models import api_keys, opd_stats
from models.api_keys import KeyScope
from models.queries import opd
from models.tables import HouseholdStatus, ReferralStatus

T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer jsk_…")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Alternatively X-API-Key: jsk_…")

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "Bad cursor, area or category"),
        (401, "Missing, invalid or revoked key"),
        (403, "Area outside the key's area"),
        (404, "Not found (or not the key's sector/area)"),
        (422, "Invalid parameters"),
        (429, "Rate limit reached; see Retry-After"),
    )
}

_OPD_STATUS = {"area_out_of_scope": 403, "not_found": 404, "status_backwards": 409}


async def authenticate(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> KeyScope:
    """The key's scope, after counting this call; 401 for a missing/unknown/revoked key, 429 over the limit."""
    context = web_context(request)
    plain = bearer.credentials if bearer is not None else header_key
    if not plain:
        metrics.API_REQUESTS.labels("-", "401").inc()
        raise ApiError(401, "missing_key", headers={"WWW-Authenticate": "Bearer"})
    now = context.clock()
    address = request.client.host if request.client is not None else "-"
    wait = context.invalid_keys.retry_after(address, now)
    if wait is not None:  # this address keeps sending bad keys: refused before any lookup
        metrics.API_REQUESTS.labels("-", "429").inc()
        raise ApiError(429, "invalid_keys_throttled", seconds=wait, headers={"Retry-After": str(wait)})
    async with context.db.session() as session:
        scope = await api_keys.verify(session, plain.strip(), now)
        decision = await api_keys.count_call(session, scope, now) if scope is not None else None
    if scope is None or decision is None:
        context.invalid_keys.failed(address, now)
        metrics.API_REQUESTS.labels("-", "401").inc()
        raise ApiError(401, "invalid_key", headers={"WWW-Authenticate": "Bearer"})
    web_audit.authenticated(request, scope)
    if not decision.allowed:
        metrics.API_REQUESTS.labels(scope.prefix, "429").inc()
        raise ApiError(
            429,
            "rate_limited",
            seconds=decision.retry_after_seconds,
            headers={
                "Retry-After": str(decision.retry_after_seconds),
                "X-RateLimit-Limit": str(scope.rate_limit_per_minute),
                "X-RateLimit-Remaining": "0",
            },
        )
    return scope


Key = Annotated[KeyScope, Depends(authenticate)]
Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page (1–500)")]
Cursor = Annotated[str | None, Query(max_length=64, description="next_cursor of the previous page")]
AreaParam = Annotated[
    str | None, Query(max_length=16, description="Only this region (inside the key's area), e.g. 36.02 or 3602")
]
Category = Annotated[
    str | None,
    Query(max_length=20, description="pendidikan: usia_sekolah; kesehatan: ibu_hamil, balita; umkm: dirujuk"),
]


def encode_cursor(kind: str, last_id: int | None) -> str | None:
    if last_id is None:
        return None
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        value = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalid_cursor") from None
    if prefix != kind or value < 0 or value >= 2**63:
        raise ApiError(400, "invalid_cursor")
    return value


async def _call(
    request: Request,
    key: KeyScope,
    action: str,
    work: Callable[[AsyncSession, WebContext], Awaitable[T]],
    summary: Callable[[T], str],
    *,
    record: bool = True,
) -> T:
    """Run one scoped query and audit it — also when the request is refused (the refusal is audited)."""
    context = web_context(request)
    asked = f"{request.method} {request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
    web_audit.mark_audited(request)  # this call's row is written here, whichever way it ends
    try:
        async with context.db.session() as session:
            result = await work(session, context)
            if record:
                await api_keys.record_call(
                    session, key, action=action, detail=f"{asked} → {summary(result)}", now=context.clock()
                )
    except opd.OpdError as error:
        async with context.db.session() as session:
            await api_keys.record_call(
                session, key, action=action, detail=f"{asked} → {error.code}", now=context.clock()
            )
        status = _OPD_STATUS.get(error.code, 400)
        metrics.API_REQUESTS.labels(key.prefix, str(status)).inc()
        values: dict[str, Any] = {"allowed": ", ".join(opd.known_categories(key.sector)), **error.values}
        raise ApiError(status, error.code, **values) from None
    metrics.API_REQUESTS.labels(key.prefix, "200").inc()
    return result


def _rows(page: opd.Page[Any]) -> str:
    return f"{len(page.items)} baris"


R = TypeVar("R")


async def _listing(
    request: Request,
    key: KeyScope,
    action: str,
    page_of: tuple[str, str | None, int],
    fetch: Callable[[AsyncSession, WebContext, int | None], Awaitable[opd.Page[R]]],
    convert: Callable[[R], Any],
    model: type[Any],
) -> Any:
    """One page of a list endpoint: the cursor decoded, the scoped query run and audited, the rows converted.

    ``page_of`` is (cursor kind, cursor, limit); the kind (``h``, ``m``, ``r``) keeps a cursor of one list from
    being replayed on another. Returns ``Page[model]``.
    """
    kind, cursor, limit = page_of
    after = decode_cursor(kind, cursor)

    async def work(session: AsyncSession, context: WebContext) -> opd.Page[R]:
        return await fetch(session, context, after)

    page = await _call(request, key, action, work, _rows)
    page_model: Any = cast(Any, Page)[model]
    return page_model(
        data=[convert(r) for r in page.items], next_cursor=encode_cursor(kind, page.next_after), limit=limit
    )


router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get("/me", response_model=KeyInfo, tags=["kunci"], summary="The calling key: sector, area, NIK visibility")
async def me(request: Request, key: Key) -> KeyInfo:
    async def work(session: AsyncSession, context: WebContext) -> KeyScope:
        return key

    await _call(request, key, "api.me", work, lambda _: "ok")
    return KeyInfo(
        name=key.name,
        sector=key.sector,
        area=key.area_code,
        nik_visible=key.can_see_nik,
        rate_limit_per_minute=key.rate_limit_per_minute,
        categories=list(opd.known_categories(key.sector)),
    )


@router.get(
    "/households",
    response_model=Page[HouseholdOut],
    response_model_exclude_unset=True,  # a sector's member fields only (SECTOR_FIELDS)
    tags=["data"],
    summary="Households of the sector in the key's area, each with its target members",
)
async def households(
    request: Request,
    key: Key,
    limit: Limit = 100,
    cursor: Cursor = None,
    area: AreaParam = None,
    category: Category = None,
    status: Annotated[
        Literal["aktif", "ditangguhkan", "graduasi", "keluar"], Query(description="Household status")
    ] = "aktif",
) -> Page[HouseholdOut]:
    async def fetch(session: AsyncSession, context: WebContext, after: int | None) -> opd.Page[opd.HouseholdRow]:
        return await opd.households(
            session,
            key,
            today=context.today(),
            limit=limit,
            after=after,
            area=area,
            category=category,
            status=HouseholdStatus(status),
        )

    page: Page[HouseholdOut] = await _listing(
        request, key, "api.households", ("h", cursor, limit), fetch, HouseholdOut.of, HouseholdOut
    )
    return page


@router.get(
    "/members",
    response_model=Page[MemberOut],
    response_model_exclude_unset=True,  # a sector's member fields only (SECTOR_FIELDS)
    tags=["data"],
    summary="Target members: school-age children (pendidikan), pregnant women and balita (kesehatan) …",
)
async def members(
    request: Request,
    key: Key,
    limit: Limit = 100,
    cursor: Cursor = None,
    area: AreaParam = None,
    category: Category = None,
    in_school: Annotated[
        bool | None, Query(description="pendidikan: false = school-age children not in school")
    ] = None,
) -> Page[MemberOut]:
    async def fetch(session: AsyncSession, context: WebContext, after: int | None) -> opd.Page[opd.MemberRow]:
        return await opd.members(
            session,
            key,
            today=context.today(),
            limit=limit,
            after=after,
            area=area,
            category=category,
            in_school=in_school,
        )

    page: Page[MemberOut] = await _listing(
        request, key, "api.members", ("m", cursor, limit), fetch, MemberOut.of_row, MemberOut
    )
    return page


@router.get(
    "/referrals",
    response_model=Page[ReferralOut],
    tags=["rujukan"],
    summary="Referrals (rujukan) of the key's sector in its area",
)
async def referrals(
    request: Request,
    key: Key,
    limit: Limit = 100,
    cursor: Cursor = None,
    area: AreaParam = None,
    status: Annotated[Literal["baru", "diterima", "ditangani"] | None, Query(description="Only this status")] = None,
) -> Page[ReferralOut]:
    async def fetch(session: AsyncSession, context: WebContext, after: int | None) -> opd.Page[opd.ReferralRow]:
        return await opd.referrals(
            session, key, limit=limit, after=after, area=area, status=ReferralStatus(status) if status else None
        )

    page: Page[ReferralOut] = await _listing(
        request, key, "api.referrals", ("r", cursor, limit), fetch, ReferralOut.of, ReferralOut
    )
    return page


ReferralId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/referrals/{referral_id}", response_model=ReferralOut, tags=["rujukan"], summary="One referral")
async def referral(request: Request, key: Key, referral_id: ReferralId) -> ReferralOut:
    async def work(session: AsyncSession, context: WebContext) -> opd.ReferralRow:
        row = await opd.referral(session, key, referral_id)
        if row is None:
            raise opd.OpdError("not_found", "Rujukan tidak ditemukan.")
        return row

    return ReferralOut.of(await _call(request, key, "api.referral", work, lambda r: f"rujukan {r.id}"))


async def _read_body(request: Request, model: type[B]) -> B:
    """The JSON body as ``model``, read only now that the key is known good (FastAPI reads a declared body before
    it checks any dependency, so the PATCH declares none). Bounded by ``bot.web.limits``; bad JSON is a 422."""
    raw = await request.body()
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        problems = [{**e, "loc": ("body", *e.get("loc", ()))} for e in error.errors(include_url=False)]
        raise RequestValidationError(problems) from None


_REFERRAL_UPDATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ReferralUpdate.model_json_schema()}},
    }
}


@router.patch(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    tags=["rujukan"],
    summary="Accept a referral or mark it handled, with a note (the API's only write)",
    responses={
        409: {"model": ErrorResponse, "description": "Status cannot go backwards"},
        413: {"model": ErrorResponse, "description": "Body over JSIKA_API_MAX_BODY_BYTES"},
    },
    openapi_extra=_REFERRAL_UPDATE_BODY,
)
async def update_referral(request: Request, key: Key, referral_id: ReferralId) -> ReferralOut:
    body = await _read_body(request, ReferralUpdate)
    context = web_context(request)
    now = context.clock()
    asked = f"PATCH {request.url.path}"

    async def work(session: AsyncSession, _: WebContext) -> opd.ReferralRow:
        before, row = await opd.update_referral(session, key, referral_id, ReferralStatus(body.status), body.note, now)
        await api_keys.record_call(
            session,
            key,
            action="api.referral.update",
            detail=f"{asked} → {row.status}",
            now=now,
            entity="referral",
            entity_id=str(row.id),
            before=before,
            after={"status": row.status, "note": row.status_note},
        )
        return row

    # The audit row written in ``work`` (with before and after) is this call's record.
    row = await _call(request, key, "api.referral.update", work, lambda r: f"status {r.status}", record=False)
    return ReferralOut.of(row)


@router.get(
    "/stats",
    response_model=StatsOut,
    tags=["data"],
    summary="Counts for the sector: households, target members per category, referrals per status",
)
async def stats(request: Request, key: Key, area: AreaParam = None) -> StatsOut:
    async def work(session: AsyncSession, context: WebContext) -> opd.Stats:
        return await opd_stats.stats(session, key, today=context.today(), area=area)

    return StatsOut.of(await _call(request, key, "api.stats", work, lambda s: f"{s.households} keluarga"))
