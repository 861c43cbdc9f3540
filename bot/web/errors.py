"""Every HTTP error is JSON with a stable code and a sentence a person can act on — never a stack trace.

Messages are Indonesian msgids, translated by the request's ``Accept-Language`` (``en`` gets the English
catalogue, everything else Indonesian), like every other text JSiKa shows.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.web import audit as web_audit
from bot.web.limits import BodyTooLarge
from handlers.i18n import N_, normalize_language, translator

log = logging.getLogger(__name__)

MESSAGES = {
    "missing_key": N_("Kunci API tidak ada. Kirim header Authorization: Bearer <kunci>."),
    "invalid_key": N_("Kunci API tidak valid atau sudah dicabut."),
    "rate_limited": N_("Terlalu banyak permintaan untuk kunci ini. Coba lagi setelah {seconds} detik."),
    "invalid_keys_throttled": N_(
        "Terlalu banyak kunci API tidak valid dari alamat ini. Coba lagi setelah {seconds} detik."
    ),
    "invalid_request": N_("Parameter permintaan tidak valid; lihat details."),
    "invalid_cursor": N_("Cursor tidak valid; pakai next_cursor dari halaman sebelumnya."),
    "invalid_area": N_("Kode wilayah tidak valid (contoh: 36.01 atau 36.01.01)."),
    "area_out_of_scope": N_("Wilayah ini di luar wilayah kunci API Anda."),
    "invalid_category": N_("Kategori tidak dikenal untuk sektor kunci ini: {allowed}."),
    "not_found": N_("Data tidak ditemukan."),
    "referral_not_found": N_("Rujukan tidak ditemukan."),
    "invalid_status": N_("Status hanya bisa diubah menjadi diterima atau ditangani."),
    "status_backwards": N_("Rujukan sudah berstatus {current}; status tidak bisa mundur."),
    "method_not_allowed": N_("Metode HTTP ini tidak didukung untuk alamat ini."),
    "metrics_token": N_("Token /metrics salah atau tidak ada. Kirim header Authorization: Bearer <token>."),
    "unauthorized_webhook": N_("Token rahasia webhook salah atau tidak ada."),
    "malformed_update": N_("Isi permintaan bukan update Telegram yang valid."),
    "body_too_large": N_("Isi permintaan terlalu besar; paling banyak {limit} bita."),
    "unavailable": N_("Layanan sedang tidak tersedia; coba lagi sebentar lagi."),
    "internal": N_("Terjadi kesalahan di server. Kejadian ini sudah dicatat."),
}


class ApiError(Exception):
    """Raise anywhere in a request: becomes ``{"error": {"code", "message"}}`` with ``status``."""

    def __init__(
        self, status: int, code: str, *, headers: dict[str, str] | None = None, details: Any = None, **values: Any
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.headers = headers
        self.details = details
        self.values = values


def language_of(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    return normalize_language(header.split(",")[0].split(";")[0].strip() or None)


def error_response(
    request: Request,
    status: int,
    code: str,
    *,
    headers: dict[str, str] | None = None,
    details: Any = None,
    **values: Any,
) -> JSONResponse:
    _ = translator(language_of(request))
    template = MESSAGES.get(code, MESSAGES["internal"])
    try:
        message = _(template).format(**values)
    except (KeyError, IndexError):
        message = _(template)
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


# SQLSTATE classes that mean "the database cannot serve us now", not "this statement is wrong": connection
# exceptions (08), operator intervention such as a restart in progress (57P), too many connections (53300), and
# a database or role that is not there (3D000, 28) — a half-finished deployment, not a bug in the request.
_UNAVAILABLE_SQLSTATES = ("08", "57P", "53300", "3D000", "28")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database is out of reach (answer 503 and retry), as opposed to a bug (500)."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)):
        return True  # OSError covers refused connections and unresolvable hosts; ConnectionError is one
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return isinstance(state, str) and state.startswith(_UNAVAILABLE_SQLSTATES)
    return False


def install(app: FastAPI) -> None:
    """Error handlers for our errors, FastAPI's validation, unknown paths, a database away, and the rest."""

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        await web_audit.refused(request, exc.status, exc.code)
        return error_response(request, exc.status, exc.code, headers=exc.headers, details=exc.details, **exc.values)

    async def validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        await web_audit.refused(request, 422, "invalid_request")
        return error_response(request, 422, "invalid_request", details=details)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed", 401: "invalid_key"}.get(exc.status_code, "invalid_request")
        status = exc.status_code if 400 <= exc.status_code < 500 else 500
        return error_response(request, status, code, headers=getattr(exc, "headers", None))

    async def too_large(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BodyTooLarge)
        await web_audit.refused(request, 413, "body_too_large")
        return error_response(request, 413, "body_too_large", headers={"Connection": "close"}, limit=exc.limit)

    async def database_away(request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable during %s %s: %s", request.method, request.url.path, exc)
        return error_response(request, 503, "unavailable", headers={"Retry-After": "5"})

    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            return await database_away(request, exc)
        return await unexpected(request, exc)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, "internal")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(BodyTooLarge, too_large)
    app.add_exception_handler(OperationalError, database_away)
    app.add_exception_handler(InterfaceError, database_away)
    app.add_exception_handler(PoolTimeout, database_away)
    app.add_exception_handler(OSError, database_away)  # ConnectionError, a host that does not resolve …
    app.add_exception_handler(TimeoutError, database_away)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(Exception, unexpected)
