"""The plugin's FastAPI app through FastAPI's TestClient, with Airflow's real SimpleAuthManager and a warehouse
holding demo data that went through every stage and the matcher.

Airflow is configured (env, then import) in a module fixture, like test_dags.py: its metadata database is a
clone of the migrated template (the auth manager checks revoked tokens there). Tokens are real JWTs signed
by the auth manager for three users: admin, viewer (reads every DAG, triggers none), nobody (no role: no DAG).
"""

from __future__ import annotations

import html
import statistics
import time
import uuid

import psycopg
import pytest

from airflow_env import airflow_env_vars, configure_airflow, dispose_airflow_orm, drop_metadata_db, prepare_metadata_db
from conftest import DemoEnv
from ui_env import SECRET, fill_warehouse, with_password

pytestmark = [pytest.mark.airflow, pytest.mark.db]
USERS = {"admin": "admin", "viewer": "viewer", "nobody": ""}
PAGES = ("/jobs", "/quality", "/review", "/search?q=oracle+database+migration+to+aurora&k=5")


@pytest.fixture(scope="module")
def auth(pg_admin_url, tmp_path_factory):
    """Airflow configured with SimpleAuthManager; a JWT per user."""
    home = tmp_path_factory.mktemp("ui_airflow_home")
    meta = prepare_metadata_db(pg_admin_url, home)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in airflow_env_vars(home, meta.metadata_url).items():
            mp.setenv(key, value)
        mp.setenv("AIRFLOW__CORE__AUTH_MANAGER",
                  "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager")
        mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", ",".join(f"{u}:{r}" for u, r in USERS.items()))
        mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
        mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(home / "passwords.json"))
        mp.setenv("AIRFLOW__API_AUTH__JWT_SECRET", uuid.uuid4().hex * 2)
        mp.setenv("AIRFLOW__API__SECRET_KEY", uuid.uuid4().hex)
        configure_airflow(meta.metadata_url)
        from airflow.api_fastapi.app import init_auth_manager, purge_cached_app
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

        manager = init_auth_manager()
        tokens = {u: manager.generate_jwt(SimpleAuthManagerUser(username=u, role=r)) for u, r in USERS.items()}
        try:
            yield tokens
        finally:
            purge_cached_app()
            dispose_airflow_orm()
            drop_metadata_db(pg_admin_url, meta.metadata_db)


@pytest.fixture(scope="module")
def filled(pg_admin_url, tmp_path_factory):
    env = DemoEnv(pg_admin_url, tmp_path_factory.mktemp("ui_demo"), scale=30)
    seconds = fill_warehouse(env)
    print(f"\nui warehouse filled: {seconds}")
    yield env
    env.drop()


@pytest.fixture(scope="module")
def client(auth, filled):
    from fastapi.testclient import TestClient

    from partner_sync.airflow.ui.app import create_app
    from partner_sync.config import load_settings

    # the app sees the warehouse through a URL with a password (trust auth ignores it): it must never leak
    settings = load_settings({**filled.env, "AIRFLOW_CONN_WAREHOUSE_DB": with_password(filled.wh)}, dotenv=False)
    with TestClient(create_app(settings, airflow_url="http://127.0.0.1:9")) as c:
        yield c


class Seen:
    """Every body the tests received, to check no secret ever appears in one."""

    bodies: list[str] = []


def call(client, method: str, path: str, user: str | None, tokens: dict, **kw):
    headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
    resp = client.request(method, path, headers=headers, **kw)
    Seen.bodies.append(resp.text)
    return resp


def test_anonymous_gets_401_on_api_and_pages(client, auth):
    for path in ("/api/v1/ingestion/jobs", "/api/v1/search?q=x", "/api/v1/matches/review", "/api/v1/sources"):
        resp = call(client, "GET", path, None, auth)
        assert resp.status_code == 401, (path, resp.text)
        assert resp.json() == {"detail": "Not authenticated"}
    resp = call(client, "POST", "/api/v1/ingestion/odoo/sync", None, auth, json={})
    assert resp.status_code == 401
    page = call(client, "GET", "/jobs", None, auth)
    assert page.status_code == 401 and "text/html" in page.headers["content-type"]
    assert "Sign in to Airflow" in page.text and "/auth/login" in page.text
    bad = client.get("/api/v1/ingestion/jobs", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code in (401, 403)


def test_a_user_without_dag_access_gets_403(client, auth):
    for path in ("/api/v1/ingestion/jobs", "/api/v1/validate/metrics", "/api/v1/search?q=aurora",
                 "/api/v1/matches/review", "/jobs", "/quality", "/review", "/search"):
        resp = call(client, "GET", path, "nobody", auth)
        assert resp.status_code == 403, (path, resp.status_code, resp.text[:300])
    detail = call(client, "GET", "/api/v1/matches/review", "nobody", auth).json()["detail"]
    assert detail == "user 'nobody' may not read DAG 'search_refresh' (Airflow auth manager)"
    assert call(client, "GET", "/api/v1/sources", "nobody", auth).json() == []


def test_a_viewer_reads_but_may_not_trigger_validate_or_decide(client, auth):
    assert call(client, "GET", "/api/v1/ingestion/jobs", "viewer", auth).status_code == 200
    resp = call(client, "POST", "/api/v1/ingestion/odoo/sync", "viewer", auth, json={"full_refresh": True})
    assert resp.status_code == 403
    assert resp.json()["detail"] == "user 'viewer' may not trigger runs of DAG 'odoo_sync' (Airflow auth manager)"
    assert call(client, "POST", "/api/v1/validate/run", "viewer", auth, json={"source": "odoo"}).status_code == 403
    resp = call(client, "POST", "/api/v1/matches/decisions", "viewer", auth,
                json={"odoo_id": "1", "ace_id": "O-1", "decision": "confirm"})
    assert resp.status_code == 403 and "may not change DAG 'search_refresh'" in resp.json()["detail"]
    page = call(client, "GET", "/jobs", "viewer", auth)
    assert page.status_code == 200 and "Sync odoo now" not in page.text and "You may look, not trigger" in page.text


def test_jobs_and_ingestion_status(client, auth, filled):
    jobs = call(client, "GET", "/api/v1/ingestion/jobs?limit=10", "admin", auth).json()
    assert {j["source_system"] for j in jobs} == {"odoo", "apn"}
    odoo = next(j for j in jobs if j["source_system"] == "odoo")
    status = call(client, "GET", f"/api/v1/ingestion/status/{odoo['job_id']}", "admin", auth).json()
    assert [s["stage"] for s in status["stages"]] == ["extract", "raw_load", "transform", "validate", "embed"]
    assert status["status"] in ("success", "partial") and status["pending_retry"] is False
    assert status["next_attempt_at"] is None
    tables = {t["table"]: t for t in status["tables"]}
    assert "crm_lead" in tables and tables["crm_lead"]["status"] == "success"
    assert {"staged", "inserted", "updated", "unchanged", "quarantined", "deleted"} <= set(tables["crm_lead"])
    assert isinstance(status["quarantine"], list)
    # bad input: clear 4xx, never a 500
    resp = call(client, "GET", "/api/v1/ingestion/status/not-a-uuid", "admin", auth)
    assert resp.status_code == 422 and "job id 'not-a-uuid' is not a UUID" in resp.json()["detail"]
    missing = uuid.uuid4()
    resp = call(client, "GET", f"/api/v1/ingestion/status/{missing}", "admin", auth)
    assert resp.status_code == 404 and resp.json()["detail"] == f"no sync job {missing} (ops.sync_jobs)"
    resp = call(client, "POST", "/api/v1/ingestion/nosuch/sync", "admin", auth, json={})
    assert resp.status_code == 404 and resp.json()["detail"] == "unknown source 'nosuch'; defined: apn, odoo"
    resp = call(client, "POST", "/api/v1/ingestion/odoo/sync", "admin", auth, json={"tables": ["crm_lead", "nope"]})
    assert resp.status_code == 422 and "unknown table(s) nope" in resp.json()["detail"]
    resp = call(client, "POST", "/api/v1/ingestion/odoo/sync", "admin", auth, json={"full_refresh": "maybe"})
    assert resp.status_code == 422 and resp.json()["detail"].startswith("full_refresh:")
    # Airflow's REST API unreachable (port 9): a 502 that says so, and no job left pending
    before = filled.query("SELECT count(*) FROM ops.sync_jobs")[0][0]
    resp = call(client, "POST", "/api/v1/ingestion/odoo/sync", "admin", auth, json={})
    assert resp.status_code == 502 and "not reachable" in resp.json()["detail"]
    assert filled.query("SELECT count(*) FROM ops.sync_jobs")[0][0] == before


def test_transform_and_validation(client, auth, filled):
    job = call(client, "GET", "/api/v1/ingestion/jobs?source=odoo&limit=1", "admin", auth).json()[0]
    tr = call(client, "GET", f"/api/v1/transform/status/{job['job_id']}", "admin", auth).json()
    assert tr["status"] == "success" and "core.odoo_opportunities" in tr["targets"]
    report = call(client, "GET", f"/api/v1/validate/report/{job['job_id']}", "admin", auth).json()
    assert report["summary"]["checks"] == len(report["checks"]) > 5
    assert {c["result"] for c in report["checks"]} <= {"pass", "warn", "fail", "skip"}
    before = filled.query("SELECT count(*) FROM ops.sync_jobs WHERE job_type = 'validate'")[0][0]
    rerun = call(client, "POST", "/api/v1/validate/run", "admin", auth, json={"source": "apn"})
    assert rerun.status_code == 200, rerun.text
    body = rerun.json()
    assert body["job"]["source_system"] == "apn" and body["summary"]["checks"] > 0
    assert filled.query("SELECT count(*) FROM ops.sync_jobs WHERE job_type = 'validate'")[0][0] == before + 1
    assert call(client, "POST", "/api/v1/validate/run", "admin", auth, json={"source": "x"}).status_code == 404
    assert call(client, "POST", "/api/v1/validate/run", "admin", auth, json={}).status_code == 422
    metrics = call(client, "GET", "/api/v1/validate/metrics?days=7", "admin", auth).json()
    assert set(metrics["pass_rate"]) == {"odoo", "apn"}
    some_check = next(iter(metrics["pass_rate"]["odoo"].values()))
    assert some_check[0]["runs"] >= 2 and 0 <= (some_check[0]["pass_rate"] or 0) <= 1  # odoo ran twice
    fresh = metrics["freshness"]
    assert {t["table_name"] for t in fresh["tables"] if t["source_system"] == "odoo"} >= {"crm_lead", "res_partner"}
    assert fresh["sources"]["odoo"]["deadline"] == "06:00 UTC"
    assert fresh["sources"]["apn"]["schedule_start"] == "03:00 UTC"
    assert call(client, "GET", "/api/v1/validate/metrics?days=0", "admin", auth).status_code == 422


def test_search_and_its_bad_input(client, auth):
    resp = call(client, "GET", "/api/v1/search?q=migrate+oracle+database+to+aurora&k=5", "admin", auth)
    assert resp.status_code == 200, resp.text
    hits = resp.json()["hits"]
    assert 1 <= len(hits) <= 5 and all(h["entity"] in ("odoo", "ace", "aws") and h["text"] for h in hits)
    assert hits == sorted(hits, key=lambda h: -h["score"])
    only_ace = call(client, "GET", "/api/v1/search?q=data+lake&entity=ace&k=3", "admin", auth).json()["hits"]
    assert only_ace and {h["entity"] for h in only_ace} == {"ace"}
    for query, needle in (("q=x&k=0", "k must be between 1 and 100, got 0"),
                          ("q=x&k=101", "k must be between 1 and 100, got 101"),
                          ("q=x&entity=crm", "entity: unknown entity 'crm'"),
                          ("q=%20", "q: the search text is empty"),
                          ("q=x&k=ten", "k: Input should be a valid integer")):
        resp = call(client, "GET", f"/api/v1/search?{query}", "admin", auth)
        assert resp.status_code == 422 and needle in resp.json()["detail"], (query, resp.text)
    assert call(client, "GET", "/api/v1/search", "admin", auth).status_code == 422


def test_matches_review_and_a_decision_is_stored(client, auth, filled):
    review = call(client, "GET", "/api/v1/matches/review?limit=3", "admin", auth).json()
    assert review["counts"]["review"] > 0 and review["items"]
    item = review["items"][0]
    assert item["odoo"]["name"] and item["ace"]["name"] and "evidence" in item
    one = call(client, "GET", f"/api/v1/matches/{item['odoo_id']}", "admin", auth).json()
    assert one["status"] == "review" and one["candidates"][0]["ace_id"] == item["ace_id"]
    resp = call(client, "POST", "/api/v1/matches/decisions", "admin", auth,
                json={"odoo_id": item["odoo_id"], "ace_id": item["ace_id"], "decision": "reject", "note": "api"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["decided_by"] == "admin" and resp.json()["decision"] == "reject"
    assert filled.query("SELECT decision, decided_by, note FROM search.match_reviews WHERE odoo_id = %s AND ace_id = %s",
                        (item["odoo_id"], item["ace_id"])) == [("reject", "admin", "api")]
    after = call(client, "GET", "/api/v1/matches/review?limit=200", "admin", auth).json()
    assert (item["odoo_id"], item["ace_id"]) not in {(i["odoo_id"], i["ace_id"]) for i in after["items"]}
    assert after["counts"]["rejected"] == review["counts"]["rejected"] + 1
    resp = call(client, "GET", "/api/v1/matches/999999999", "admin", auth)
    assert resp.status_code == 404 and "unknown Odoo opportunity '999999999'" in resp.json()["detail"]
    resp = call(client, "POST", "/api/v1/matches/decisions", "admin", auth,
                json={"odoo_id": "999999999", "ace_id": item["ace_id"], "decision": "confirm"})
    assert resp.status_code == 404 and "unknown Odoo opportunity" in resp.json()["detail"]
    resp = call(client, "POST", "/api/v1/matches/decisions", "admin", auth,
                json={"odoo_id": item["odoo_id"], "ace_id": item["ace_id"], "decision": "maybe"})
    assert resp.status_code == 422 and resp.json()["detail"].startswith("decision:")


def test_health_and_openapi(client, auth):
    resp = call(client, "GET", "/api/v1/health", None, auth)  # public, like Airflow's monitor/health
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "ok" and body["warehouse"]["reachable"] is True
    assert body["migrations"]["current"] is True and body["migrations"]["pending"] == []
    assert body["embedding"]["configured"] is True and body["embedding"]["column"] == "vector(384)"
    spec = call(client, "GET", "/api/v1/openapi.json", None, auth).json()
    for path in ("/api/v1/ingestion/{source}/sync", "/api/v1/ingestion/status/{job_id}", "/api/v1/transform/status/{job_id}",
                 "/api/v1/validate/run", "/api/v1/validate/report/{job_id}", "/api/v1/validate/metrics",
                 "/api/v1/search", "/api/v1/matches/{odoo_id}", "/api/v1/matches/decisions", "/api/v1/health"):
        assert path in spec["paths"], path
    docs = call(client, "GET", "/api/v1/docs", None, auth)
    assert docs.status_code == 200 and "swagger-ui" in docs.text and "/api/v1/openapi.json" in docs.text


def test_warehouse_down_is_503_with_retry_after_never_500(auth, filled):
    from fastapi.testclient import TestClient

    from partner_sync.airflow.ui.app import create_app
    from partner_sync.config import load_settings
    from test_dags import _closed_port

    down = f"postgresql://postgres:{SECRET}@127.0.0.1:{_closed_port()}/warehouse"
    settings = load_settings({**filled.env, "AIRFLOW_CONN_WAREHOUSE_DB": down}, dotenv=False)
    with TestClient(create_app(settings, airflow_url="http://127.0.0.1:9")) as c:
        health = c.get("/api/v1/health")
        assert health.status_code == 503 and health.headers["Retry-After"] == "30"
        assert health.json()["status"] == "down" and health.json()["warehouse"]["reachable"] is False
        jobs = c.get("/api/v1/ingestion/jobs", headers={"Authorization": f"Bearer {auth['admin']}"})
        assert jobs.status_code == 503 and jobs.headers["Retry-After"] == "30"
        assert jobs.json()["detail"].startswith("the warehouse is not reachable right now")
        page = c.get("/jobs", headers={"Authorization": f"Bearer {auth['admin']}"})
        assert page.status_code == 503 and "unavailable" in page.text
        Seen.bodies += [health.text, jobs.text, page.text]


def test_pages_render_and_their_load_times(client, auth, filled):
    """Every page with demo data: content checks, then load times (printed, not asserted: make bench style)."""
    jobs = call(client, "GET", "/jobs", "admin", auth)
    assert jobs.status_code == 200 and "Sync odoo now" in jobs.text and "Deadline" in jobs.text
    job_id = filled.query("SELECT job_id FROM ops.sync_jobs WHERE source_system = 'odoo' AND job_type <> 'validate' "
                          "ORDER BY started_at DESC LIMIT 1")[0][0]
    # a quarantined row as the loader records it (the loader's own quarantine is tested in test_raw_load.py)
    filled.execute(filled.wh, "INSERT INTO ops.quarantine (sync_job_id, source_system, table_name, source_key, "
                   "column_name, error_message, payload) VALUES ('%s', 'odoo', 'crm_lead', '4711', 'expected_revenue', "
                   "'invalid input syntax for type numeric: \"12k\"', "
                   "'{\"id\": 4711, \"expected_revenue\": \"12k\", \"api_token\": \"tok-%s\"}')" % (job_id, SECRET))
    job = call(client, "GET", f"/jobs/{job_id}", "admin", auth)
    assert job.status_code == 200 and "crm_lead" in job.text and "Stages" in job.text
    assert "Quarantine (1)" in job.text and "4711" in job.text and "expected_revenue" in job.text
    text = html.unescape(job.text)
    assert 'invalid input syntax for type numeric: "12k"' in text and '"api_token": "***"' in text
    status = call(client, "GET", f"/api/v1/ingestion/status/{job_id}", "admin", auth).json()
    assert status["quarantined"] == 1 and status["quarantine"][0]["payload"]["api_token"] == "***"
    quality = call(client, "GET", "/quality?source=odoo", "admin", auth)
    assert quality.status_code == 200 and quality.text.count("<svg class=\"trend\"") > 5
    review = call(client, "GET", "/review", "admin", auth)
    assert review.status_code == 200 and "Confirm" in review.text and "Odoo opportunity" in review.text
    search = call(client, "GET", "/search?q=aurora+migration&entity=odoo&k=3", "admin", auth)
    assert search.status_code == 200 and "matched text" in search.text
    run = client.get(f"/runs/odoo_sync/nosuch_run", headers={"Authorization": f"Bearer {auth['admin']}"})
    assert run.status_code == 200 and "has not opened its job yet" in run.text
    assert call(client, "GET", "/jobs/nope", "admin", auth).status_code == 422
    assert call(client, "GET", "/jobs?source=nosuch", "admin", auth).status_code == 404
    # a cookie session's form needs the page's form token
    resp = client.post("/review/decide", data={"odoo_id": "1", "ace_id": "x", "decision": "confirm"},
                       cookies={"_token": auth["admin"]})
    assert resp.status_code == 403 and "form token" in resp.text
    timings = {}
    for path in PAGES + (f"/jobs/{job_id}",):
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            assert call(client, "GET", path, "admin", auth).status_code == 200
            samples.append((time.perf_counter() - started) * 1000)
        timings[path.split("?")[0]] = statistics.median(samples)
    print("\npage load (TestClient, demo warehouse scale 30, median of 5, target < 300 ms): "
          + ", ".join(f"{p} {ms:.0f} ms" for p, ms in timings.items()))


def test_no_secret_in_any_page_or_response(auth):
    """Runs last in this module: every body received above, and the tokens and password, never echoed."""
    assert len(Seen.bodies) > 40
    for body in Seen.bodies:
        assert SECRET not in body
        for token in auth.values():
            assert token not in body


def test_airflow_loads_exactly_our_plugin_from_the_plugins_folder(auth):
    """Airflow's own loader on plugins/: one plugin, no import errors (.airflowignore keeps the engine out)."""
    from airflow._shared.plugins_manager import _load_plugins_from_plugin_directory

    from airflow_env import ROOT

    plugins, errors = _load_plugins_from_plugin_directory(plugins_folder=str(ROOT / "plugins"))
    assert errors == {}
    assert [p.name for p in plugins] == ["partner_sync"]
    plugin = plugins[0]
    assert plugin.fastapi_apps[0]["url_prefix"] == "/partner-sync"
    nav = [v for v in plugin.external_views if v["destination"] == "nav"]
    assert {v["href"] for v in nav} == {"/partner-sync/jobs", "/partner-sync/quality", "/partner-sync/review",
                                        "/partner-sync/search", "/partner-sync/api/v1/docs"}
    assert all(v["category"] == "partner_sync" for v in nav)
    run_view = next(v for v in plugin.external_views if v["destination"] == "dag_run")
    assert run_view["href"] == "/partner-sync/runs/{DAG_ID}/{RUN_ID}"


def test_source_dags_declare_their_freshness_deadline(auth, monkeypatch):
    from datetime import timedelta

    from partner_sync.airflow.dag_factory import build_source_dag
    from partner_sync.config import get_config
    from partner_sync.source_defs import load_sources

    monkeypatch.setenv("PARTNER_SYNC_ALERT_EMAILS", "revops@example.com")
    monkeypatch.setenv("PARTNER_SYNC_SMTP_CONN_ID", "smtp_alerts")
    get_config.cache_clear()
    try:
        settings = get_config()
        sources = load_sources(settings.include_dir)
        dag = build_source_dag(sources["odoo"], settings)
        (alert,) = dag.deadline
        assert type(alert.reference).__name__ == "DagRunLogicalDateDeadline"
        assert alert.interval == timedelta(hours=28)  # 02:00 run of the next day, due 06:00
        assert alert.callback.path == "partner_sync.airflow.deadlines.alert_unless_backfill"
        assert alert.callback.kwargs["to"] == ["revops@example.com"]
        assert alert.callback.kwargs["smtp_conn_id"] == "smtp_alerts"
        assert build_source_dag(sources["apn"], settings).deadline[0].interval == timedelta(hours=27)
        monkeypatch.delenv("PARTNER_SYNC_ALERT_EMAILS")
        get_config.cache_clear()
        assert not build_source_dag(sources["odoo"], get_config()).deadline  # no recipients, no alert
    finally:
        get_config.cache_clear()
