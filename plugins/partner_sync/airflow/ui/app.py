"""The FastAPI app the plugin mounts at ``/partner-sync`` in Airflow's api-server: service API v1 plus pages.

Errors: the API answers JSON ``{"detail": ...}``; pages answer an HTML page with the same message (401
with a link to Airflow's login). The warehouse down or a missing migration is a 503 (with ``Retry-After``
when waiting helps), never a 500; every message is passed through ``mask_dsn``.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from partner_sync.config import Settings
from partner_sync.database import DatabaseUnavailable, mask_dsn

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"
RETRY_AFTER_S = "30"


def _is_api(request: Request) -> bool:
    return request.url.path.removeprefix(request.scope.get("root_path", "")).startswith(API_PREFIX)


def _error(request: Request, code: int, detail: Any, headers: dict[str, str] | None = None) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": detail}, status_code=code, headers=headers)
    from partner_sync.airflow.ui.auth import login_url
    from partner_sync.airflow.ui.pages import TEMPLATES, base_paths

    base, airflow_root = base_paths(request)
    login = None
    if code == 401:
        try:
            login = login_url(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
        except RuntimeError:  # no auth manager initialised (not inside the api-server)
            login = None
    html = TEMPLATES.get_template("error.html").render(base=base, airflow_root=airflow_root, nav=(), user=None,
                                                       code=code, detail=detail, login=login, title=f"Error {code}")
    return HTMLResponse(html, status_code=code, headers=headers)


def _message(exc: BaseException) -> str:
    text = mask_dsn(str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def create_app(settings: Settings | None = None, airflow_url: str | None = None) -> FastAPI:
    """The app; ``settings``/``airflow_url`` default to the process's configuration (tests pass their own)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        svc = getattr(app.state, "services", None)
        if svc is not None:
            svc.close()

    app = FastAPI(title="partner_sync service API", version="1",
                  description="partner_sync inside Airflow: trigger and watch syncs, data quality, semantic search "
                              "and match review. Authenticate with a JWT from Airflow's `POST /auth/token` "
                              "(`Authorization: Bearer <token>`); the Airflow UI's session cookie works too. "
                              "Permissions are Airflow's: a source's data needs access to its `<source>_sync` DAG, "
                              "search and matches to `search_refresh`.",
                  docs_url=f"{API_PREFIX}/docs", openapi_url=f"{API_PREFIX}/openapi.json", redoc_url=None,
                  swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
                  lifespan=lifespan)
    app.state.settings, app.state.airflow_url, app.state.services = settings, airflow_url, None

    from partner_sync.airflow.ui import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.middleware("http")
    async def timing(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={ms:.1f}"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path"))
            got = f" (got {err['input']!r})" if "input" in err and not isinstance(err["input"], dict) else ""
            parts.append(f"{where or 'request'}: {err.get('msg')}{got}")
        return _error(request, 422, "; ".join(parts) or "invalid request")

    async def unavailable(request: Request, exc: Exception) -> Response:
        log.warning("partner_sync UI: warehouse unavailable: %s", _message(exc))
        return _error(request, 503, f"the warehouse is not reachable right now: {_message(exc)}",
                      {"Retry-After": RETRY_AFTER_S})

    for kind in (DatabaseUnavailable, PoolTimeout, psycopg.OperationalError):
        app.add_exception_handler(kind, unavailable)

    @app.exception_handler(psycopg.errors.UndefinedTable)
    async def not_migrated(request: Request, exc: Exception) -> Response:
        return _error(request, 503, f"the warehouse schema is behind this release ({_message(exc)}): "
                                    "run `partner_sync migrate`")

    return app
