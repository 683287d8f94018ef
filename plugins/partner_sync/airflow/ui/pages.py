"""Server-rendered pages: sync jobs, data quality, match review, search (linked from Airflow's navigation).

Forms post back here with the session cookie Airflow's login set (SameSite=Lax) plus a form token bound to
that session; every page asks the auth manager exactly as the API does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity

from partner_sync.airflow.ui.auth import SEARCH_DAG, Caller, authenticated
from partner_sync.airflow.ui.charts import trend_svg
from partner_sync.airflow.ui.service import MAX_K, UNPROCESSABLE, Services, services
from partner_sync.insights import jobs as job_views
from partner_sync.insights import quality
from partner_sync.insights.rows import parse_uuid

router = APIRouter()
MOUNT = "/partner-sync"
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
TEMPLATES.filters["pretty"] = lambda v: json.dumps(v, indent=2, default=str, ensure_ascii=False)
TEMPLATES.filters["when"] = lambda v: (v or "")[:19].replace("T", " ")
TEMPLATES.filters["urlq"] = lambda v: quote(str(v), safe="")
NAV = (("jobs", "Sync jobs"), ("quality", "Data quality"), ("review", "Match review"), ("search", "Search"))


def base_paths(request: Request) -> tuple[str, str]:
    """(this app's root path, Airflow's root path) as the browser sees them."""
    root = request.scope.get("root_path", "").rstrip("/")
    return root, root[: -len(MOUNT)] if root.endswith(MOUNT) else root


def render(request: Request, template: str, caller: Caller | None, svc: Services | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    base, airflow_root = base_paths(request)
    html = TEMPLATES.get_template(template).render(
        base=base, airflow_root=airflow_root, nav=NAV, user=caller.name if caller else None,
        csrf=caller.csrf(svc.secret) if caller and svc else "", msg=request.query_params.get("msg"),
        **context)
    return HTMLResponse(html, status_code=status_code)


def _redirect(request: Request, path: str, **query: str) -> RedirectResponse:
    base, _ = base_paths(request)
    q = urlencode({k: v for k, v in query.items() if v})
    return RedirectResponse(base + path + ("?" + q if q else ""), status_code=status.HTTP_303_SEE_OTHER)


@router.get("/", include_in_schema=False)
def home(request: Request) -> RedirectResponse:
    return _redirect(request, "/jobs")


@router.get("/jobs", response_class=HTMLResponse, include_in_schema=False)
def jobs_page(request: Request, source: str | None = None, caller: Caller = Depends(authenticated),
              svc: Services = Depends(services)) -> HTMLResponse:
    shown = svc.shown_sources(caller, source)
    readable = svc.readable_sources(caller)
    jobs = [j for j in job_views.list_jobs(svc.db, svc.settings.include_dir, source, 30) if j["source_system"] in shown]
    fresh = quality.freshness(svc.db, svc.settings.include_dir, {n: svc.sources[n] for n in shown}, svc.schedules)
    cards = [{"name": n, "dag_id": svc.dag_id(n), "tables": list(svc.sources[n].tables),
              "may_trigger": caller.may(svc.dag_id(n), "POST", DagAccessEntity.RUN),
              "freshness": fresh["sources"].get(n, {}),
              "latest": next((j for j in jobs if j["source_system"] == n), None)} for n in shown]
    return render(request, "jobs.html", caller, svc, title="Sync jobs", active="jobs", jobs=jobs, cards=cards,
                  source=source, sources=readable)


@router.post("/jobs/trigger", include_in_schema=False)
def trigger_form(request: Request, source: str = Form(...), csrf: str = Form(""), full_refresh: bool = Form(False),
                 tables: list[str] = Form(default_factory=list), caller: Caller = Depends(authenticated),
                 svc: Services = Depends(services)) -> RedirectResponse:
    caller.check_csrf(svc.secret, csrf)
    result = svc.trigger_sync(caller, source, full_refresh, tables)
    msg = f"triggered {result['dag_id']} run {result['run_id']}" + (f"; {result['note']}" if result["note"] else "")
    return _redirect(request, f"/jobs/{result['job_id']}", msg=msg)


@router.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def job_page(request: Request, job_id: str, caller: Caller = Depends(authenticated),
             svc: Services = Depends(services)) -> HTMLResponse:
    job = svc.job(caller, job_id)
    return render(request, "job.html", caller, svc, title=f"Sync job {job['job_id']}", active="jobs", job=job,
                  live=job["status"] in ("pending", "running"))


@router.get("/runs/{dag_id}/{run_id}", response_class=HTMLResponse, include_in_schema=False)
def run_page(request: Request, dag_id: str, run_id: str, caller: Caller = Depends(authenticated),
             svc: Services = Depends(services)):
    """The DAG-run view (Airflow templates {DAG_ID}/{RUN_ID} into it): that run's job, if it opened one."""
    caller.require(dag_id)
    source = dag_id.removesuffix("_sync") if dag_id.endswith("_sync") else None
    if source not in svc.sources:
        return render(request, "message.html", caller, svc, title="Not a partner_sync source DAG", active="jobs",
                      text=f"{dag_id} is not one of partner_sync's source DAGs "
                           f"({', '.join(svc.dag_id(s) for s in sorted(svc.sources))}): it has no sync job.")
    job_id = job_views.job_for_run(svc.db, svc.settings.include_dir, dag_id, run_id)
    if job_id is None:
        return render(request, "message.html", caller, svc, title="No sync job yet", active="jobs", live=True,
                      text=f"Run {run_id} of {dag_id} has not opened its job yet (its extract task has not "
                           "started). This page reloads itself.")
    return _redirect(request, f"/jobs/{job_id}")


@router.get("/quality", response_class=HTMLResponse, include_in_schema=False)
def quality_page(request: Request, source: str | None = None, job: str | None = None,
                 caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> HTMLResponse:
    readable = svc.readable_sources(caller)
    if not readable:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"user {caller.name!r} may not read any source DAG")
    if job:
        try:
            parse_uuid(job)
        except ValueError as exc:
            raise HTTPException(UNPROCESSABLE, str(exc)) from None
        found = svc.job(caller, job)
        source = found["source_system"]
    source = source or readable[0]
    svc.source(source)
    caller.require(svc.dag_id(source))
    job = job or quality.latest_checked_job(svc.db, source)
    report = quality.job_report(svc.db, job) if job else None
    trend = quality.trends(svc.db, svc.settings.include_dir, source)
    charts = {name: trend_svg(points) for name, points in trend.items()}
    recent = [j for j in job_views.list_jobs(svc.db, svc.settings.include_dir, source, 30)
              if any(s["stage"] == "validate" for s in j["stages"])]
    return render(request, "quality.html", caller, svc, title="Data quality", active="quality", source=source,
                  sources=readable, report=report, charts=charts, recent=recent,
                  may_run=caller.may(svc.dag_id(source), "POST", DagAccessEntity.RUN))


@router.post("/quality/run", include_in_schema=False)
def quality_run(request: Request, source: str = Form(...), csrf: str = Form(""),
                caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> RedirectResponse:
    caller.check_csrf(svc.secret, csrf)
    src = svc.source(source)
    caller.require(svc.dag_id(source), "POST", DagAccessEntity.RUN)
    result = quality.run_validation(svc.settings, svc.db, src, triggered_by=caller.name)
    s = result["summary"]
    return _redirect(request, "/quality", source=source, job=result["job_id"],
                     msg=f"checks re-run: {s['pass']} pass, {s['warn']} warn, {s['fail']} fail, {s['skip']} skipped")


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, page: int = 1, caller: Caller = Depends(authenticated),
                svc: Services = Depends(services)) -> HTMLResponse:
    from partner_sync.match.decisions import decision_counts, review_queue

    caller.require(SEARCH_DAG)
    page = max(1, page)
    per_page = 10
    items = review_queue(svc.db, per_page + 1, (page - 1) * per_page)
    return render(request, "review.html", caller, svc, title="Match review", active="review",
                  counts=decision_counts(svc.db), items=items[:per_page], page=page, more=len(items) > per_page,
                  may_decide=caller.may(SEARCH_DAG, "PUT"))


@router.post("/review/decide", include_in_schema=False)
def review_decide(request: Request, odoo_id: str = Form(...), ace_id: str = Form(...), decision: str = Form(...),
                  note: str = Form(""), csrf: str = Form(""), page: int = Form(1),
                  caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> RedirectResponse:
    caller.check_csrf(svc.secret, csrf)
    stored = svc.decide(caller, odoo_id, ace_id, decision, note)
    verb = "confirmed" if stored["decision"] == "confirm" else "rejected"
    return _redirect(request, "/review", page=str(page) if page > 1 else "",
                     msg=f"{verb} Odoo {stored['odoo_id']} \u2194 ACE {stored['ace_id']} (by {stored['decided_by']})")


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request, q: str = "", entity: str = "", k: int = 10,
                caller: Caller = Depends(authenticated), svc: Services = Depends(services)) -> HTMLResponse:
    caller.require(SEARCH_DAG)
    hits = svc.search(caller, q, entity or None, k) if q.strip() else None
    return render(request, "search.html", caller, svc, title="Search", active="search", q=q, entity=entity, k=k,
                  max_k=MAX_K, hits=hits)
