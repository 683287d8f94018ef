"""What the API and the pages both do, once: resolve a source, trigger a sync, look up a job, search, decide.

Errors are ``HTTPException``s with a message that names the thing that was wrong (source, table, job id,
parameter); the warehouse being down is a 503 (``app.py``), never a 500.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from fastapi import HTTPException, Request, status

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

from partner_sync.config import Settings, get_config
from partner_sync.database import Database, RetryPolicy, mask_dsn
from partner_sync.insights import jobs as job_views
from partner_sync.insights.rows import parse_uuid
from partner_sync.source_defs import SourceDef, load_sources
from partner_sync.airflow.ui.airflow_api import AirflowApi, AirflowApiError, default_base_url
from partner_sync.airflow.ui.auth import SEARCH_DAG, Caller

log = logging.getLogger(__name__)
MAX_K = 100
UNPROCESSABLE = 422  # Starlette renamed the constant (UNPROCESSABLE_ENTITY -> _CONTENT); the code is the same
UI_POOL_MAX = 4
UI_CONNECT_TIMEOUT_S = 3


@dataclass
class Services:
    """Per-process state of the plugin app: settings, a small warehouse pool, the sources, Airflow's API."""

    settings: Settings
    db: Database
    sources: dict[str, SourceDef]
    schedules: dict[str, str]
    airflow: AirflowApi
    secret: str
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings | None = None, airflow_url: str | None = None) -> "Services":
        from partner_sync.airflow.dag_factory import _schedule_for
        from airflow.configuration import conf

        settings = settings or get_config()
        # a UI request fails fast (503) instead of waiting out the pipeline's 2/4/8 s connection retries
        db = Database(settings.conn("warehouse_db"), min_size=1, max_size=UI_POOL_MAX,
                      retry=RetryPolicy(attempts=0), connect_timeout=UI_CONNECT_TIMEOUT_S)
        sources = load_sources(settings.include_dir)
        secret = conf.get("api", "secret_key", fallback="") or secrets.token_urlsafe(32)
        return cls(settings, db, sources, {n: _schedule_for(s) for n, s in sources.items()},
                   AirflowApi(airflow_url or default_base_url()), secret)

    def close(self) -> None:
        self.db.close()

    # -- sources and jobs ------------------------------------------------------------------------

    def source(self, name: str) -> SourceDef:
        if name not in self.sources:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                f"unknown source {name!r}; defined: {', '.join(sorted(self.sources))}")
        return self.sources[name]

    @staticmethod
    def dag_id(source: str) -> str:
        return f"{source}_sync"

    def readable_sources(self, caller: Caller) -> list[str]:
        allowed = caller.readable(self.dag_id(s) for s in self.sources)
        return sorted(s for s in self.sources if self.dag_id(s) in allowed)

    def shown_sources(self, caller: Caller, source: str | None = None) -> list[str]:
        """``[source]`` when named (404 unknown, 403 without access), else every readable one (403 if none)."""
        if source:
            self.source(source)
            caller.require(self.dag_id(source))
            return [source]
        readable = self.readable_sources(caller)
        if not readable:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"user {caller.name!r} may not read any source DAG")
        return readable

    def job(self, caller: Caller, job_id: str) -> dict[str, Any]:
        """A job the caller may read: 422 for a malformed id, 404 when unknown, 403 without DAG access."""
        try:
            jid = parse_uuid(job_id)
        except ValueError as exc:
            raise HTTPException(UNPROCESSABLE, str(exc)) from None
        found = job_views.get_job(self.db, self.settings.include_dir, jid)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no sync job {jid} (ops.sync_jobs)")
        caller.require(self.dag_id(found["source_system"]))
        return found

    def trigger_sync(self, caller: Caller, source_name: str, full_refresh: bool = False,
                     tables: list[str] | None = None) -> dict[str, Any]:
        """Queue the job, trigger ``<source>_sync`` through Airflow's REST API as the caller, return both ids."""
        source = self.source(source_name)
        dag_id = self.dag_id(source.name)
        caller.require(dag_id, "POST", DagAccessEntity.RUN)
        tables = [t.strip() for t in (tables or []) if t and t.strip()]
        unknown = sorted(set(tables) - set(source.tables))
        if unknown:
            raise HTTPException(UNPROCESSABLE,
                                f"source {source.name}: unknown table(s) {', '.join(unknown)}; "
                                f"defined: {', '.join(source.tables)}")
        run_id = f"partner_sync_ui__{datetime.now(timezone.utc):%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}"
        try:
            paused = bool(self.airflow.dag(caller.token, dag_id).get("is_paused"))
        except AirflowApiError as exc:
            raise _from_airflow(exc, dag_id) from None
        job_id = job_views.queue_job(self.db, self.settings.include_dir, source, dag_id=dag_id, run_id=run_id,
                                     full_refresh=full_refresh, tables=tables, triggered_by=caller.name)
        try:
            run = self.airflow.trigger(caller.token, dag_id, run_id, {"full_refresh": full_refresh, "tables": tables})
        except AirflowApiError as exc:
            job_views.fail_queued(self.db, self.settings.include_dir, job_id, exc.detail)
            raise _from_airflow(exc, dag_id) from None
        log.info("partner_sync UI: %s triggered %s run %s (job %s)", caller.name, dag_id, run_id, job_id)
        note = (f"DAG {dag_id} is paused: the run waits in state queued until the DAG is unpaused"
                if paused else None)
        return {"job_id": str(job_id), "dag_id": dag_id, "run_id": run_id, "state": run.get("state"),
                "full_refresh": full_refresh, "tables": tables, "dag_paused": paused, "note": note,
                "airflow_run_path": job_views.airflow_run_path({"dag_id": dag_id, "run_id": run_id})}

    # -- search and matches ----------------------------------------------------------------------

    def search(self, caller: Caller, q: str, entity: str | None, k: int) -> list[dict[str, Any]]:
        from partner_sync.embed.texts import entity as find_entity
        from partner_sync.search import semantic_search

        caller.require(SEARCH_DAG)
        if not q or not q.strip():
            raise HTTPException(UNPROCESSABLE, "q: the search text is empty")
        if not 1 <= k <= MAX_K:
            raise HTTPException(UNPROCESSABLE, f"k must be between 1 and {MAX_K}, got {k}")
        if entity:
            try:
                find_entity(entity, self.settings.include_dir)
            except ValueError as exc:
                raise HTTPException(UNPROCESSABLE, f"entity: {exc}") from None
        try:
            hits = semantic_search(self.settings, q, entity=entity or None, k=k, db=self.db)
        except (ImportError, OSError, RuntimeError) as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                                f"embedding model {self.settings.embedding_model} is not available here: "
                                f"{mask_dsn(str(exc))[:300]}") from None
        return [{"entity": h.entity, "id": h.source_id, "label": h.label, "score": h.score, "matched": h.matched,
                 "text": h.text} for h in hits]

    def decide(self, caller: Caller, odoo_id: str, ace_id: str, decision: str, note: str | None) -> dict[str, Any]:
        from partner_sync.match.decisions import record_decision

        caller.require(SEARCH_DAG, "PUT")
        if decision not in ("confirm", "reject"):
            raise HTTPException(UNPROCESSABLE,
                                f"decision must be 'confirm' or 'reject', got {decision!r}")
        try:
            return record_decision(self.db, odoo_id, ace_id, decision, caller.name, note or None)
        except ValueError as exc:
            code = status.HTTP_404_NOT_FOUND if str(exc).startswith("unknown") else UNPROCESSABLE
            raise HTTPException(code, str(exc)) from None


def _from_airflow(exc: AirflowApiError, dag_id: str) -> HTTPException:
    """Airflow's answer, kept: 401/403/404/409 pass through with its message; anything else is a 502."""
    if exc.status == 404:
        return HTTPException(status.HTTP_404_NOT_FOUND,
                             f"DAG {dag_id} is not known to Airflow (not parsed yet, or an import error): {exc.detail}")
    if exc.status in (401, 403, 409, 422):
        return HTTPException(exc.status, f"Airflow refused for DAG {dag_id}: {exc.detail}")
    return HTTPException(status.HTTP_502_BAD_GATEWAY, f"Airflow REST API failed for DAG {dag_id}: {exc}")


_CREATE_LOCK = threading.Lock()


def services(request: Request) -> Services:
    """The app's Services, created on first use (plugins load in every Airflow process; only the api-server serves)."""
    state = request.app.state
    if getattr(state, "services", None) is None:
        with _CREATE_LOCK:  # sync routes run in a thread pool: two first requests must not build two pools
            if getattr(state, "services", None) is None:
                state.services = Services.create(getattr(state, "settings", None), getattr(state, "airflow_url", None))
    return state.services
