"""``/api/docs``: Swagger UI for the OPD API, served from the installed package, not from a CDN.

FastAPI's default page loads Swagger UI from jsDelivr: an agency's browser then runs whatever that CDN serves on
the API's origin, and on a government network without internet the page stays blank. ``fastapi-offline``
(pinned in pyproject.toml) ships the Swagger UI 5 dist files; this module serves them under
``/api/docs/static`` and points the page at them.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = "/api/docs/static"


def _assets_dir() -> str:
    return str(resources.files("fastapi_offline").joinpath("static"))


def install(app: FastAPI, *, docs_url: str = "/api/docs", openapi_url: str = "/api/openapi.json") -> None:
    app.mount(STATIC, StaticFiles(directory=_assets_dir()), name="swagger-ui")

    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — dokumentasi",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon.png",
        )

    app.add_api_route(docs_url, swagger_ui, methods=["GET"], include_in_schema=False)
