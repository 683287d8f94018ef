"""The production topology for real, without Docker: CeleryExecutor, Redis, a default and a gpu worker.

Starts redis-server (Debian package), api-server, scheduler, dag-processor and triggerer with
CeleryExecutor on a metadata database cloned from the migrated template (airflow_env.py), and two Celery
workers: one on the ``default`` queue, one on ``gpu`` only, each with its own celery hostname. The odoo
source connection is created through the REST API (as a user would in the UI), ``odoo_sync`` is triggered
for the opportunities' tables with ``PARTNER_SYNC_EMBED_EXECUTION=celery_gpu``, and the task instances say
where each task ran. Then the source connection is pointed at a closed port: the job goes ``pending_retry``
while Airflow retries, and exactly one alert e-mail reaches a real SMTP server (aiosmtpd) after the last try.
Every process group started here is stopped afterwards, whatever happened. Airflow is never imported in this
process.
"""

from __future__ import annotations

import re
import socket
import time
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql as psql

from airflow_env import ROOT, drop_metadata_db, prepare_prepared_metadata_db
from partner_sync.dev import local_airflow as local, local_celery
from smtp_sink import SmtpSink
from test_airflow_local import TEST_HOME, _settings, _task_logs

RUN_DEADLINE_S = 240
FINAL = ("success", "failed")
OPPORTUNITY_INPUTS = ["crm_lead", "res_partner", "res_users", "crm_team", "crm_stage", "res_country",
                      "res_country_state", "c_aws_accounts"]
# what the Celery run loads itself: two mapped raw_load tasks, one per default-worker slot (the routing is the same
# for each; the other inputs of core.odoo_opportunities are in raw from an earlier, in-process sync)
RUN_TABLES = ["crm_lead", "res_partner"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_run(client, home, dag_id, run_id, deadline_s, stop_on=None):
    """Poll the run until it ends (or ``stop_on(task_instances)`` is true); fail early if a process died."""
    deadline = time.monotonic() + deadline_s
    state = None
    while time.monotonic() < deadline:
        state = client.dag_run(dag_id, run_id)["state"]
        if state in FINAL:
            return state
        tis = client.task_instances(dag_id, run_id)
        if stop_on and stop_on(tis):
            return state
        dead = [c for c in local.COMPONENTS if c not in local.running_pids(home)]
        dead += [c for c in ("redis", "worker-default", "worker-gpu") if c not in local_celery.extra_pids(home)]
        assert not dead, f"{dead} exited:\n{local.logs_tail(home, dead)}"
        time.sleep(0.5)
    return state


# -- fast: the environment and the worker names, no processes ------------------------------------------

def test_celery_env_workers_and_their_hostnames(tmp_path, monkeypatch):
    prepared = local.Prepared(env={"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://u:p@127.0.0.1:5/af"},
                              home=tmp_path, port=8080, password="x", pools={})
    env = local_celery.celery_env(prepared, 6390, 2)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6390/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql+psycopg2://u:p@127.0.0.1:5/af"
    assert env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "default"
    default, gpu = local_celery.workers("gpu", 2)
    assert (default.queue, default.concurrency, default.component) == ("default", 2, "worker-default")
    assert (gpu.queue, gpu.concurrency, gpu.node("vm")) == ("gpu", 1, "gpu@vm")
    monkeypatch.setenv(local_celery.WORKER_NAME_ENV, "gpu@vm")
    assert local_celery.worker_hostname() == "gpu@vm"
    monkeypatch.delenv(local_celery.WORKER_NAME_ENV)
    assert local_celery.worker_hostname() == socket.getfqdn()
    assert local_celery.stop_celery(tmp_path, grace=1) == []  # nothing running: nothing to stop, no error


@pytest.mark.slow
@pytest.mark.airflow
@pytest.mark.db
def test_celery_topology_routes_embed_to_the_gpu_worker_and_alerts_once(pg_admin_url, make_db, tmp_path, monkeypatch):
    from partner_sync.dev.demo.seed import seed_demo
    from partner_sync.migrations import migrate, migration_params
    from partner_sync.pipeline import run_source

    monkeypatch.delenv("AIRFLOW_CONN_ODOO_DB", raising=False)  # odoo_db: Airflow's connection only

    timings: dict[str, float] = {}
    t0 = time.monotonic()
    tag = uuid.uuid4().hex[:8]
    home = tmp_path / "airflow_home"
    report = seed_demo(pg_admin_url, odoo_db=f"odoo_cel_{tag}", apn_db=f"apn_cel_{tag}", scale=20,
                       truth_path=tmp_path / "truth.csv")
    base = pg_admin_url.rsplit("/", 1)[0]
    odoo_url = urlsplit(f"{base}/{report.odoo_db}")
    warehouse = make_db("wh_cel")
    settings = _settings({"AIRFLOW_CONN_WAREHOUSE_DB": warehouse, "AIRFLOW_CONN_APN_DB": f"{base}/{report.apn_db}"})
    meta = prepare_prepared_metadata_db(pg_admin_url, home, settings)  # Airflow's start-up: test_airflow_runs.py
    # what an earlier day's sync left: the opportunities' inputs in raw and core, nothing embedded yet (in-process:
    # the Celery run below then loads RUN_TABLES, rebuilds core from raw and embeds every opportunity)
    migrate(warehouse, settings.sql_dir, migration_params(settings))
    run_source(_settings({"AIRFLOW_CONN_WAREHOUSE_DB": warehouse, "AIRFLOW_CONN_ODOO_DB": f"{base}/{report.odoo_db}"}),
               "odoo", stages=("extract", "raw_load", "transform"), tables=OPPORTUNITY_INPUTS)
    timings["seed_and_databases"] = time.monotonic() - t0
    running = None
    stopped: list[str] = []
    groups: set[int] = set()
    with SmtpSink() as inbox:
        try:
            t = time.monotonic()
            prepared = local.prepare(settings, home=home, port=local.free_port(), metadata_db=meta.metadata_db)
            timings["prepare"] = time.monotonic() - t
            # odoo_db comes from Airflow's own connection (created below through the REST API), not the env
            prepared.env.pop("AIRFLOW_CONN_ODOO_DB")
            prepared.env.update({
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "2",
                "PARTNER_SYNC_EMBED_EXECUTION": "celery_gpu",
                # the failure path, quick: one Airflow retry 3 s later (polled every 0.5 s: seen while it waits),
                # no retries inside the task
                "PARTNER_SYNC_TASK_RETRY_DELAYS": "3s",
                "PARTNER_SYNC_RETRY_ATTEMPTS": "0", "PARTNER_SYNC_RETRY_BASE_DELAY": "0.01",
                "PARTNER_SYNC_ALERT_EMAILS": "revops@example.com",
                "PARTNER_SYNC_ALERT_FROM": "airflow@partner-sync.example",
                # plain SMTP: the provider's default is implicit SSL (disable_ssl), then STARTTLS (disable_tls)
                "AIRFLOW_CONN_SMTP_DEFAULT": inbox.connection_uri(),
            })

            t = time.monotonic()
            running = local_celery.start_celery(prepared, wait_for_dags=["odoo_sync"], timeout=200)
            timings["start"] = time.monotonic() - t
            client = running.airflow.client()
            host = socket.gethostname()
            assert running.worker_nodes == {"default": f"default@{host}", "gpu": f"gpu@{host}"}
            client.post("/api/v2/connections", {
                "connection_id": "odoo_db", "conn_type": "postgres", "host": odoo_url.hostname,
                "port": odoo_url.port, "login": odoo_url.username, "password": odoo_url.password or "",
                "schema": report.odoo_db})

            # 1. a run of every task: each succeeds, embed on the gpu worker, everything else on the default one;
            # two of the tables core.odoo_opportunities is built from (2 mapped raw_load tasks: the routing is the
            # same for each, more would only queue behind them on 2 worker slots); transform rebuilds core from raw
            # and embed embeds every opportunity and account (nothing was embedded before)
            t = time.monotonic()
            run_id = f"celery_e2e_{tag}"
            client.unpause("odoo_sync")
            client.trigger("odoo_sync", run_id=run_id, conf={"tables": RUN_TABLES})
            state = _wait_run(client, home, "odoo_sync", run_id, RUN_DEADLINE_S,
                              stop_on=lambda tis: any(ti["state"] in ("failed", "up_for_retry") for ti in tis))
            timings["odoo_sync_run"] = time.monotonic() - t
            tis = client.task_instances("odoo_sync", run_id)
            where = {(ti["task_id"], ti["map_index"]): (ti["state"], ti["queue"], ti["hostname"]) for ti in tis}
            assert state == "success" and {s for s, _, _ in where.values()} == {"success"}, (
                f"odoo_sync {run_id}: {state}; {where}\n{_task_logs(home, 'odoo_sync', run_id)}\n"
                f"{local.logs_tail(home, ['scheduler', 'worker-default', 'worker-gpu'])}")
            assert {k[0] for k in where} == {"extract", "raw_load", "transform", "validate", "embed"}
            for (task_id, _), (_, queue, hostname) in where.items():
                expected = "gpu" if task_id == "embed" else "default"
                assert (queue, hostname) == (expected, running.worker_nodes[expected]), (task_id, queue, hostname)
            # and independently of the hostname: each worker's own log names the tasks it executed
            ran = {queue: set(re.findall(rf"run_id={run_id}/task_id=(\w+)/",
                                         local._tail(local._log_file(home, f"worker-{queue}"), 10**7)))
                   for queue in ("default", "gpu")}
            assert ran == {"default": {"extract", "raw_load", "transform", "validate"}, "gpu": {"embed"}}, ran
            loaded = sorted(ti["rendered_map_index"] for ti in tis if ti["task_id"] == "raw_load")
            with psycopg.connect(warehouse) as conn:
                status, completed, config = conn.execute(
                    "SELECT status, completed_at, config FROM ops.sync_jobs WHERE source_system = 'odoo' "
                    "AND config->'airflow'->>'run_id' = %s", (run_id,)).fetchone()
                embedded = conn.execute("SELECT count(*) FROM search.embeddings").fetchone()[0]
            assert status == "success" and completed is not None
            assert set(config["stages"]) == {"extract", "raw_load", "transform", "validate", "embed"}
            assert sorted(config["stages"]["raw_load"]["tables"]) == loaded == sorted(RUN_TABLES)
            assert all(d.get("status", "success") != "failed" for d in config["stages"]["raw_load"]["tables"].values())
            assert embedded > 0

            # 2. the source becomes unreachable: pending_retry while Airflow retries, one e-mail after the last try
            client.patch("/api/v2/connections/odoo_db", {"connection_id": "odoo_db", "conn_type": "postgres",
                                                         "host": "127.0.0.1", "port": _closed_port(),
                                                         "login": "odoo", "password": "s3cret-odoo",
                                                         "schema": "odoo"})
            t = time.monotonic()
            fail_id = f"celery_down_{tag}"
            client.trigger("odoo_sync", run_id=fail_id)
            seen_retry_job = None

            def retrying(tis):
                nonlocal seen_retry_job
                if any(ti["task_id"] == "extract" and ti["state"] == "up_for_retry" for ti in tis):
                    with psycopg.connect(warehouse) as conn:
                        seen_retry_job = conn.execute(
                            "SELECT status, error_details->>'next_attempt_at' FROM ops.sync_jobs "
                            "WHERE config->'airflow'->>'run_id' = %s", (fail_id,)).fetchone()
                    return True
                return False

            _wait_run(client, home, "odoo_sync", fail_id, RUN_DEADLINE_S, stop_on=retrying)
            assert inbox.messages == [], "no e-mail while Airflow will still retry"
            state = _wait_run(client, home, "odoo_sync", fail_id, RUN_DEADLINE_S)
            for _ in range(100):  # the notifier runs in the worker's task process: give the message a moment
                if inbox.messages:
                    break
                time.sleep(0.2)
            time.sleep(3)  # and make sure no second one follows
            timings["failure_path"] = time.monotonic() - t
            tis = {ti["task_id"]: ti for ti in client.task_instances("odoo_sync", fail_id)}
            assert state == "failed", state
            assert (tis["extract"]["state"], tis["extract"]["try_number"]) == ("failed", 2)
            assert tis["extract"]["hostname"] == running.worker_nodes["default"]
            assert seen_retry_job is not None and seen_retry_job[0] == "pending_retry" and seen_retry_job[1]
            assert len(inbox.messages) == 1, [m[2]["Subject"] for m in inbox.messages]
            _, rcpt, msg = inbox.messages[0]
            assert rcpt == ["revops@example.com"] and "odoo_sync.extract failed" in msg["Subject"]
            assert "s3cret-odoo" not in msg.as_string()
            with psycopg.connect(warehouse) as conn:
                final = conn.execute("SELECT status FROM ops.sync_jobs WHERE config->'airflow'->>'run_id' = %s",
                                     (fail_id,)).fetchone()[0]
            # the job follows the Airflow run: failed after the last try
            assert final == "failed", final
        finally:
            pids = {**local.running_pids(home), **local_celery.extra_pids(home)}
            groups = set(pids.values()) | local._descendant_groups(pids.values())
            t = time.monotonic()
            stopped = local_celery.stop_celery(home, grace=20)
            timings["stop"] = time.monotonic() - t
            drop_metadata_db(pg_admin_url, meta.metadata_db)
            with psycopg.connect(pg_admin_url, autocommit=True) as admin:
                for name in (report.odoo_db, report.apn_db):
                    admin.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(name)))
            print("\ncelery topology e2e: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
                  + f", total {time.monotonic() - t0:.1f}s")
    assert running is not None
    assert stopped == sorted([*local.COMPONENTS, "redis", "worker-default", "worker-gpu"])
    assert local.running_pids(home) == {} and local_celery.extra_pids(home) == {}
    assert not [g for g in groups if local._group_alive(g)], "process groups left running after stop_celery()"
