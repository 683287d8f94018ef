"""The service API, v1 (OpenAPI at ``/partner-sync/api/v1/docs``): thin over the engine and Airflow's REST API."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from partner_sync.airflow.ui.auth import SEARCH_DAG, Caller, authenticated
from partner_sync.airflow.ui.service import MAX_K, Services, services
from partner_sync.freshness import Deadline, DeadlineError
from partner_sync.insights import jobs as job_views
from partner_sync.insights import quality
from partner_sync.insights.health import health as health_report
from partner_sync.insights.rows import fetch

router = APIRouter(prefix="/api/v1")
RETRY_AFTER_S = "30"


class SyncRequest(BaseModel):
    full_refresh: bool = Field(False, description="Re-read every row instead of the changes since the last run.")
    tables: list[str] = Field(default_factory=list, description="Only these tables (empty: every enabled table).")


class SyncAccepted(BaseModel):
    job_id: str = Field(description="ops.sync_jobs id; the run's extract task continues this very job")
    dag_id: str
    run_id: str
    state: str | None = Field(description="the DAG run's state as Airflow answered (queued)")
    full_refresh: bool
    tables: list[str]
    dag_paused: bool
    note: str | None
    airflow_run_path: str | None


class ValidateRequest(BaseModel):
    source: str = Field(description="whose checks to run (include/checks/<source>.yml), e.g. odoo")


class DecisionRequest(BaseModel):
    odoo_id: str = Field(min_length=1, description="core.odoo_opportunities.source_id")
    ace_id: str = Field(min_length=1, description="core.ace_opportunities.source_id")
    decision: Literal["confirm", "reject"]
    note: str | None = Field(None, max_length=2000)


@router.get("/health", tags=["health"], summary="Warehouse reachable, migrations current, embeddings configured",
            responses={503: {"description": "warehouse down (Retry-After) or migrations pending"}})
def get_health(response: Response, svc: Services = Depends(services)) -> dict[str, Any]:
    """Public like Airflow's own /api/v2/monitor/health (load balancers call it without a token); no secrets."""
    report = health_report(svc.settings)
    if report["status"] == "down":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = RETRY_AFTER_S
    elif report["migrations"].get("current") is False:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return report


@router.get("/sources", tags=["ingestion"], summary="The sources this user may see, their DAGs and deadlines")
def get_sources(caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> list[dict[str, Any]]:
    out = []
    for name in svc.readable_sources(caller):
        src = svc.sources[name]
        try:
            deadline = Deadline.of(svc.schedules[name], src.deadline).due.strftime("%H:%M UTC")
        except DeadlineError:
            deadline = None
        out.append({"source": name, "dag_id": svc.dag_id(name), "schedule": svc.schedules[name],
                    "deadline": deadline, "mode": src.mode, "tables": list(src.tables)})
    return out


@router.get("/ingestion/jobs", tags=["ingestion"], summary="Newest sync jobs")
def get_jobs(source: str | None = None, limit: int = Query(20, ge=1, le=200),
             caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> list[dict[str, Any]]:
    shown = set(svc.shown_sources(caller, source))
    return [j for j in job_views.list_jobs(svc.db, svc.settings.include_dir, source, limit)
            if j["source_system"] in shown]


@router.post("/ingestion/{source}/sync", tags=["ingestion"], status_code=status.HTTP_202_ACCEPTED,
             response_model=SyncAccepted, summary="Trigger <source>_sync; returns the run and job ids")
def post_sync(source: str, body: SyncRequest | None = None, caller: Caller = Depends(authenticated),
              svc: Services = Depends(services)) -> dict[str, Any]:
    body = body or SyncRequest()
    return svc.trigger_sync(caller, source, body.full_refresh, body.tables)


@router.get("/ingestion/status/{job_id}", tags=["ingestion"],
            summary="A job: stages, per-table counts, quarantine, pending_retry, next_attempt_at")
def get_ingestion_status(job_id: str, caller: Caller = Depends(authenticated),
                         svc: Services = Depends(services)) -> dict[str, Any]:
    return svc.job(caller, job_id)


@router.get("/transform/status/{job_id}", tags=["transform"], summary="The transform stage of a job")
def get_transform_status(job_id: str, caller: Caller = Depends(authenticated),
                         svc: Services = Depends(services)) -> dict[str, Any]:
    job = svc.job(caller, job_id)
    stage = next((s for s in job["stages"] if s["stage"] == "transform"), None)
    rows = fetch(svc.db, "SELECT config#>'{stages,transform}' AS transform FROM ops.sync_jobs WHERE job_id = %s",
                 (job["job_id"],))
    config = (rows[0]["transform"] if rows else None) or {}
    return {"job_id": job["job_id"], "source": job["source_system"], "job_status": job["status"],
            "status": stage["status"] if stage else "not run", "seconds": stage.get("seconds") if stage else None,
            "error": stage.get("error") if stage else None, "targets": config.get("targets") or {}}


@router.post("/validate/run", tags=["validate"], summary="Re-run a source's checks on the newest data")
def post_validate(body: ValidateRequest, caller: Caller = Depends(authenticated),
                  svc: Services = Depends(services)) -> dict[str, Any]:
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

    source = svc.source(body.source)
    caller.require(svc.dag_id(source.name), "POST", DagAccessEntity.RUN)
    return quality.run_validation(svc.settings, svc.db, source, triggered_by=caller.name)


@router.get("/validate/report/{job_id}", tags=["validate"], summary="The checks of a job: pass / warn / fail")
def get_validate_report(job_id: str, caller: Caller = Depends(authenticated),
                        svc: Services = Depends(services)) -> dict[str, Any]:
    job = svc.job(caller, job_id)
    return quality.job_report(svc.db, job["job_id"])


@router.get("/validate/metrics", tags=["validate"],
            summary="Pass rate per check over time, quarantine counts, freshness per table")
def get_validate_metrics(source: str | None = None, days: int = Query(30, ge=1, le=366),
                         caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> dict[str, Any]:
    shown = svc.shown_sources(caller, source)
    readable = shown if not source else svc.readable_sources(caller)
    out = quality.metrics(svc.db, svc.settings.include_dir, {n: svc.sources[n] for n in readable}, svc.schedules,
                          source, days)
    if not source:  # only the sources this user may read
        out["pass_rate"] = {s: v for s, v in out["pass_rate"].items() if s in readable}
        out["quarantine"] = {s: v for s, v in out["quarantine"].items() if s in readable}
        out["freshness"]["tables"] = [t for t in out["freshness"]["tables"] if t["source_system"] in readable]
    return out


@router.get("/search", tags=["search"], summary="Semantic search over the embeddings")
def get_search(q: str = Query(..., description="free text, e.g. oracle to aurora migration"),
               entity: str | None = Query(None, description="odoo, ace or aws (default: all three)"),
               k: int = Query(10, description=f"results, 1 to {MAX_K}"),
               caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> dict[str, Any]:
    return {"q": q, "entity": entity, "k": k, "hits": svc.search(caller, q, entity, k)}


@router.get("/matches/review", tags=["matches"], summary="The review queue (most uncertain first) and counts")
def get_review(limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0),
               caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> dict[str, Any]:
    from partner_sync.match.decisions import decision_counts, review_queue

    caller.require(SEARCH_DAG)
    return {"counts": decision_counts(svc.db), "items": review_queue(svc.db, limit, offset)}


@router.get("/matches/{odoo_id}", tags=["matches"], summary="One Odoo opportunity: status, candidates, decisions")
def get_match(odoo_id: str, caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> dict:
    from partner_sync.match.decisions import match_for

    caller.require(SEARCH_DAG)
    found = match_for(svc.db, odoo_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"unknown Odoo opportunity {odoo_id!r} (core.odoo_opportunities.source_id)")
    return found


@router.post("/matches/decisions", tags=["matches"], status_code=status.HTTP_201_CREATED,
             summary="Confirm or reject a pair (stored apart from the matcher's output)")
def post_decision(body: DecisionRequest, caller: Caller = Depends(authenticated),
                  svc: Services = Depends(services)) -> dict[str, Any]:
    return svc.decide(caller, body.odoo_id.strip(), body.ace_id.strip(), body.decision, body.note)
