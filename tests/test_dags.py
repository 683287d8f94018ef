"""The Airflow DAGs, for real: DagBag parsing and ``dag.test()`` runs against PostgreSQL.

Airflow's metadata database is a PostgreSQL database on the embedded test server (see airflow_env.py);
the engine writes into a fresh, migrated warehouse per run. Airflow is imported only inside fixtures
and tests, after the environment is set (Airflow reads its configuration at first import).
"""

from __future__ import annotations

import signal
import socket
import time
import uuid
from contextlib import contextmanager

import pendulum
import psycopg
import pytest
from psycopg import sql as psql

from airflow_env import (
    ROOT,
    AirflowTestEnv,
    airflow_env_vars,
    configure_airflow,
    dispose_airflow_orm,
    drop_metadata_db,
    prepare_metadata_db,
)
from smtp_sink import SmtpSink
from partner_sync.config import get_config, load_settings
from partner_sync.dev.demo.seed import seed_demo
from partner_sync.migrations import migrate, migration_params
from partner_sync.pipeline import STAGES
from partner_sync.source_defs import load_sources

pytestmark = [pytest.mark.airflow, pytest.mark.db]

SOURCES = ("odoo", "apn")
DEMO_SCALE = 20  # a few hundred source rows: enough for every stage to do real work, under a second to seed
RUN_DEADLINE_S = 180  # dag.test() waits out retries and stuck tasks; never let that hang the whole suite


@pytest.fixture(scope="session")
def airflow_metadata_db(pg_admin_url, tmp_path_factory) -> AirflowTestEnv:
    """A migrated PostgreSQL metadata database for this session (cloned from a per-release template)."""
    env = prepare_metadata_db(pg_admin_url, tmp_path_factory.mktemp("airflow_home"))
    try:
        yield env
    finally:
        dispose_airflow_orm()
        drop_metadata_db(pg_admin_url, env.metadata_db)


@pytest.fixture(scope="module")
def airflow_env(airflow_metadata_db: AirflowTestEnv) -> AirflowTestEnv:
    """Airflow configured against the session's metadata database, for this module only.

    The variables are restored after the module, so tests in other modules never see them; Airflow
    itself stays imported and pointed at the session database until the session ends.
    """
    env = airflow_metadata_db
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in airflow_env_vars(env.home, env.metadata_url).items():
            mp.setenv(key, value)
        mp.setenv("PARTNER_SYNC_PROJECT_DIR", str(ROOT))
        mp.setenv("PARTNER_SYNC_HOME", str(ROOT / ".local" / "test"))  # a fallback never reaches demo data
        mp.setenv("PARTNER_SYNC_POOL_MIN", "1")
        mp.setenv("PARTNER_SYNC_POOL_MAX", "4")
        for conn_id in ("WAREHOUSE_DB", "ODOO_DB", "APN_DB"):
            mp.delenv(f"AIRFLOW_CONN_{conn_id}", raising=False)
        get_config.cache_clear()
        configure_airflow(env.metadata_url)
        env.seconds["airflow_import"] = round(time.monotonic() - started, 2)
        print(f"\nairflow test env: metadata db {env.metadata_db} "
              f"({'template built' if env.template_built else 'template reused'}: {env.template_db}), "
              f"seconds {env.seconds}")
        try:
            yield env
        finally:
            get_config.cache_clear()
    get_config.cache_clear()


@pytest.fixture(scope="module")
def dagbag(airflow_env: AirflowTestEnv):
    from airflow.dag_processing.dagbag import DagBag

    # Airflow 3.3's DagBag has no include_examples argument; AIRFLOW__CORE__LOAD_EXAMPLES=False covers it.
    return DagBag(dag_folder=str(ROOT / "dags"))


@pytest.fixture(scope="module")
def source_defs(airflow_env):
    return load_sources(get_config().include_dir)


@pytest.fixture(scope="module")
def demo_sources(airflow_env, pg_admin_url, tmp_path_factory) -> dict[str, str]:
    """Small seeded odoo/apn source databases (read-only for the runs), keyed by connection id."""
    tag = uuid.uuid4().hex[:8]
    report = seed_demo(pg_admin_url, odoo_db=f"odoo_af_{tag}", apn_db=f"apn_af_{tag}", scale=DEMO_SCALE,
                       truth_path=tmp_path_factory.mktemp("demo") / "truth.csv")
    urls = {"odoo_db": _db_url(pg_admin_url, report.odoo_db), "apn_db": _db_url(pg_admin_url, report.apn_db)}
    yield urls
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        for name in (report.odoo_db, report.apn_db):
            admin.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(name)))


def _db_url(admin_url: str, dbname: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + dbname


@pytest.fixture
def warehouse(airflow_env, demo_sources, make_db, monkeypatch) -> str:
    """A fresh, migrated warehouse; engine and Airflow both see it (and the sources) as Airflow connections."""
    url = make_db("wh_airflow")
    settings = load_settings(dotenv=False)
    migrate(url, settings.sql_dir, migration_params(settings))
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_DB", url)
    for conn_id, src_url in demo_sources.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", src_url)
    get_config.cache_clear()
    yield url
    get_config.cache_clear()


class SyncedWarehouse:
    """One warehouse that ``odoo_sync`` and ``apn_sync`` each ran into once with ``dag.test()``, run on first
    need: the end-to-end tests check those runs, the maintenance test works on what they left (instead of
    syncing both sources again)."""

    def __init__(self, url: str, sources: dict[str, str]):
        self.url, self.sources, self.runs = url, sources, {}

    def env(self, mp: pytest.MonkeyPatch) -> None:
        mp.setenv("AIRFLOW_CONN_WAREHOUSE_DB", self.url)
        for conn_id, src_url in self.sources.items():
            mp.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", src_url)
        get_config.cache_clear()

    def run(self, source: str):
        """``dag.test()`` of ``<source>_sync`` into this warehouse, once; its DagRun."""
        if source not in self.runs:
            with pytest.MonkeyPatch.context() as mp:
                self.env(mp)
                try:
                    started = time.monotonic()
                    self.runs[source] = _run(f"{source}_sync")
                    print(f"\n{source}_sync: dag.test() took {time.monotonic() - started:.2f}s")
                finally:
                    get_config.cache_clear()
        return self.runs[source]


@pytest.fixture(scope="module")
def synced(airflow_env, demo_sources, pg_admin_url) -> SyncedWarehouse:
    name = f"wh_synced_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(psql.SQL("CREATE DATABASE {}").format(psql.Identifier(name)))
    url = _db_url(pg_admin_url, name)
    try:
        settings = load_settings(dotenv=False)
        migrate(url, settings.sql_dir, migration_params(settings))
        yield SyncedWarehouse(url, demo_sources)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(name)))


@contextmanager
def _deadline(seconds: int, what: str):
    """Raise TimeoutError in the main thread after ``seconds`` (dag.test() loops while a task waits to retry)."""
    def expired(signum, frame):
        raise TimeoutError(f"{what} still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(dag_id: str, **kwargs):
    """``dag.test()`` on a freshly parsed DAG without retries, under a deadline; returns the DagRun."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(ROOT / "dags")).get_dag(dag_id)
    for t in dag.tasks:
        t.retries = 0
    with _deadline(RUN_DEADLINE_S, f"{dag_id} dag.test()"):
        return dag.test(**kwargs)



def test_dagbag_imports_cleanly(dagbag, source_defs):
    assert dagbag.import_errors == {}
    expected = {f"{name}_sync" for name in source_defs} | {"search_refresh", "partner_sync_maintenance"}
    assert {"odoo_sync", "apn_sync"} <= expected
    assert set(dagbag.dag_ids) == expected


@pytest.mark.parametrize("source", SOURCES)
def test_dag_shape(dagbag, source_defs, source):
    dag = dagbag.get_dag(f"{source}_sync")
    src = source_defs[source]
    assert [t.task_id for t in dag.topological_sort()] == list(STAGES)
    for upstream, downstream in zip(STAGES, STAGES[1:]):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
        assert dag.get_task(upstream).downstream_task_ids == {downstream}
    assert dag.get_task(STAGES[0]).upstream_task_ids == set()
    assert dag.get_task(STAGES[-1]).downstream_task_ids == set()

    # real day-long data intervals (CronTriggerTimetable's are points), so a backfill has a window
    assert type(dag.schedule).__name__ == "CronDataIntervalTimetable"
    assert dag.schedule.expression == (src.schedule or "0 2 * * *")
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert {"partner_sync", source} <= set(dag.tags)
    assert dag.doc_md and source in dag.doc_md
    for t in dag.tasks:
        # every task: 3 retries at 5, 10, 20 minutes -- for transient failures only (the retry policy decides)
        assert (t.retries, t.retry_delay.total_seconds(), t.retry_exponential_backoff) == (3, 300, 0)
        assert type(t.retry_policy).__name__ == "TransientOnlyRetryPolicy"
        assert t.retry_policy.delays == (300, 600, 1200)
    assert "MappedOperator" in type(dag.get_task("raw_load")).__name__  # one task per table in the UI
    if src.pool:
        assert dag.get_task("raw_load").pool == src.pool
    assert [a.uri for a in dag.get_task("embed").outlets] == [f"x-partner-sync://warehouse/search/embeddings/{source}"]
    params = dag.params.dump()
    assert params == {"full_refresh": False, "tables": []}
    assert dag.params.get_param("full_refresh").schema["type"] == "boolean"
    tables_schema = dag.params.get_param("tables").schema
    assert tables_schema["type"] == "array" and set(tables_schema["items"]["enum"]) == set(src.tables)



def test_connection_resolution(warehouse, monkeypatch):
    """Airflow's connection when it has one (as a ConnSpec), else the engine's own resolution, untouched."""
    from partner_sync.airflow.connections import airflow_connection, task_settings
    from partner_sync.config import parse_connection

    assert airflow_connection("warehouse_db") == parse_connection("warehouse_db", warehouse)
    assert airflow_connection("no_such_connection") is None
    monkeypatch.delenv("AIRFLOW_CONN_APN_DB")
    get_config.cache_clear()
    settings = task_settings(get_config(), ["warehouse_db", "apn_db"])
    assert settings.connections["warehouse_db"].dbname == warehouse.rsplit("/", 1)[1]
    assert "apn_db" not in settings.connections  # left to settings.conn(): env variable, else embedded server

def test_airflow_connection_fields_are_read_as_they_are(airflow_env, pg_admin_url, monkeypatch):
    """Airflow's Connection object (here from its environment secrets backend, JSON form: a password with
    / # ? @ in it, libpq extras and the postgres provider's own) reaches the engine field by field, with no
    URI in between, and connects with the extras applied."""
    import json

    from psycopg.conninfo import conninfo_to_dict

    from partner_sync.airflow.connections import airflow_connection, connection_fields
    from partner_sync.database import connect

    server = conninfo_to_dict(pg_admin_url)
    monkeypatch.setenv("AIRFLOW_CONN_H3_FIELDS_DB", json.dumps({
        "conn_type": "postgres", "host": server["host"], "port": int(server["port"]), "login": "postgres",
        "password": "pa/ss#x?@", "schema": "postgres",
        "extra": {"application_name": "h3_fields", "connect_timeout": 5, "cursor": "dictcursor",
                  "sqlalchemy_scheme": "postgresql"}}))
    spec = airflow_connection("h3_fields_db")
    assert (spec.host, spec.port, spec.user, spec.password, spec.dbname) == (
        server["host"], int(server["port"]), "postgres", "pa/ss#x?@", "postgres")
    assert dict(spec.options) == {"application_name": "h3_fields", "connect_timeout": "5"}
    with connect(spec) as c:  # trust auth: the password is carried, not checked
        assert c.execute("SELECT current_setting('application_name')").fetchone()[0] == "h3_fields"

    from airflow.sdk import Connection  # the object a hook holds, whatever backend it came from

    fields = connection_fields(Connection(conn_id="x_db", conn_type="postgres", host="db", port=5433,
                                          login="u", password="p#1", schema="wh", extra='{"sslmode": "require"}'))
    assert (fields.host, fields.port, fields.password, fields.schema, dict(fields.extra)) == (
        "db", 5433, "p#1", "wh", {"sslmode": "require"})


def test_an_unconfigured_or_unreadable_connection_in_a_task_is_a_configuration_error(airflow_env, monkeypatch):
    """Production has no embedded server to fall back to: the task fails with the connection id named."""
    from partner_sync.airflow.connections import task_settings
    from partner_sync.config import ConfigError
    from partner_sync.failures import classify

    get_config.cache_clear()
    settings = task_settings(get_config(), ["warehouse_db", "apn_db"])  # neither Airflow nor a variable has them
    with pytest.raises(ConfigError, match="connection 'apn_db' is not configured: define the Airflow connection") \
            as err:
        settings.conn("apn_db")
    assert (classify(err.value).transient, classify(err.value).kind) == (False, "configuration")
    # Airflow has it, with an extra that libpq does not know: named, not passed on to fail in libpq
    monkeypatch.setenv("AIRFLOW_CONN_APN_DB", '{"conn_type": "postgres", "host": "db", "login": "u", '
                                              '"password": "s3cr3t", "schema": "apn", "extra": {"ssl_mode": "on"}}')
    with pytest.raises(ConfigError, match="apn_db: extra 'ssl_mode' is not a libpq connection parameter") as err:
        task_settings(get_config(), ["apn_db"])
    assert "s3cr3t" not in str(err.value)
    get_config.cache_clear()


def test_api_connection_from_airflow_reaches_the_reader_settings(airflow_env, source_defs, monkeypatch):
    """An API source's connection that only Airflow knows reaches the engine through the task's settings (the
    engine itself never imports Airflow); a value the engine read from AIRFLOW_CONN_* at start-up stays."""
    from partner_sync.airflow.task_bodies import _settings_for
    from partner_sync.sources.base import api_connection_value
    from partner_sync.sources.odoo_rpc import parse_odoo_connection

    monkeypatch.delenv("AIRFLOW_CONN_ODOO_API", raising=False)
    monkeypatch.setenv("PARTNER_SYNC_ODOO_MODE", "odoo_rpc")
    get_config.cache_clear()
    try:
        assert "odoo_api" not in get_config().api_connections  # configuration read once, without it
        # now only Airflow has it (its environment secrets backend is read at each look-up)
        monkeypatch.setenv("AIRFLOW_CONN_ODOO_API", "odoo://bot:k3y@odoo.example.com:8069/prod?protocol=jsonrpc")
        odoo = parse_odoo_connection(api_connection_value(_settings_for(source_defs["odoo"]), "odoo_api"))
        assert (odoo.login, odoo.api_key, odoo.url, odoo.database, odoo.protocol) == (
            "bot", "k3y", "https://odoo.example.com:8069", "prod", "jsonrpc")
        assert api_connection_value(_settings_for(source_defs["apn"]), "odoo_api") is None  # database mode

        get_config.cache_clear()  # read at start-up: the engine's value stays, whatever Airflow says later
        get_config()
        monkeypatch.setenv("AIRFLOW_CONN_ODOO_API", "odoo://other:key@odoo.internal/staging")
        first = parse_odoo_connection(api_connection_value(_settings_for(source_defs["odoo"]), "odoo_api"))
        assert (first.login, first.database) == ("bot", "prod")
    finally:
        get_config.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES)
def test_dag_runs_end_to_end(synced, source):
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from sqlalchemy import select

    dag_id = f"{source}_sync"
    dr = synced.run(source)
    warehouse = synced.url

    with create_session() as session:
        states = dict(session.execute(
            select(TaskInstance.task_id, TaskInstance.state)
            .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == dr.run_id)).all())
    with create_session() as session:
        mapped = session.execute(
            select(TaskInstance.map_index, TaskInstance.rendered_map_index, TaskInstance.state)
            .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == dr.run_id,
                   TaskInstance.task_id == "raw_load")).all()
    enabled = [t.name for t in load_sources(get_config().include_dir)[source].enabled_tables]
    assert sorted(m[1] for m in mapped) == sorted(enabled)  # each table is its own task instance
    assert {m[2] for m in mapped} == {TaskInstanceState.SUCCESS}
    assert states == {stage: TaskInstanceState.SUCCESS for stage in STAGES}
    assert dr.state == DagRunState.SUCCESS

    with psycopg.connect(warehouse) as conn:  # the other source's DAG ran into this warehouse too
        rows = conn.execute("SELECT job_id, source_system, status, config FROM ops.sync_jobs "
                            "WHERE config->'airflow'->>'dag_id' = %s", (dag_id,)).fetchall()
    assert len(rows) == 1, rows  # the run made exactly one job
    _job_id, source_system, status, config = rows[0]
    assert (source_system, status) == (source, "success")
    assert set(config["stages"]) == set(STAGES)
    assert set(config["stages"]["raw_load"]["tables"]) == set(enabled)
    assert config["airflow"]["dag_id"] == dag_id
    assert config["airflow"]["run_id"] == dr.run_id
    assert config["airflow"]["try_number"] == 1
    assert config["full_refresh"] is False
    # real data went through: the first enabled table of the source has rows in raw (first load: full read)
    src = load_sources(get_config().include_dir)[source]
    first = src.enabled_tables[0]
    with psycopg.connect(warehouse) as conn:
        n = conn.execute(psql.SQL("SELECT count(*) FROM raw.{}").format(
            psql.Identifier(src.raw_table(first.name)))).fetchone()[0]
    assert n > 0, f"raw.{src.raw_table(first.name)} is empty"


def test_run_window_backfill_vs_scheduled(airflow_env):
    """Backfills read exactly their interval; other runs read from the watermark up to the interval end."""
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from airflow.sdk.api.datamodels._generated import DagRunType

    from partner_sync.airflow.task_bodies import _window

    a, b = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 2, tzinfo=timezone.utc)

    def ctx(run_type, start, end):
        return {"dag_run": SimpleNamespace(run_type=run_type), "data_interval_start": start, "data_interval_end": end}

    assert _window(ctx(DagRunType.BACKFILL, a, b)) == {"data_interval": (a, b)}
    assert _window(ctx(DagRunType.SCHEDULED, b, b)) == {"upper_bound": b}
    assert _window(ctx(DagRunType.MANUAL, a, b)) == {"upper_bound": b}
    assert _window(ctx(DagRunType.BACKFILL, b, b)) == {"upper_bound": b}  # CronTriggerTimetable: a point
    assert _window(ctx(DagRunType.MANUAL, None, None)) == {"upper_bound": None}

    # a manual / REST API run syncs up to the moment it was triggered (its run_after), not the last complete day
    now = datetime(2026, 1, 2, 14, 38, tzinfo=timezone.utc)

    def run(run_type, start, end):
        return {"dag_run": SimpleNamespace(run_type=run_type, run_after=now), "data_interval_start": start,
                "data_interval_end": end}

    assert _window(run(DagRunType.MANUAL, a, b)) == {"upper_bound": now}
    assert _window(run(DagRunType.ASSET_TRIGGERED, a, b)) == {"upper_bound": now}
    assert _window(run(DagRunType.SCHEDULED, a, b)) == {"upper_bound": b}  # its interval end, even if late
    assert _window(run(DagRunType.BACKFILL, a, b)) == {"data_interval": (a, b)}  # exactly its interval


ODOO_OPPORTUNITY_INPUTS = ["crm_lead", "res_partner", "res_users", "crm_team", "crm_stage", "res_country",
                           "res_country_state"]


@pytest.mark.slow
def test_params_and_metadata_db_connection_reach_the_engine(warehouse, demo_sources, monkeypatch):
    """Run conf (full_refresh, tables) goes to the job; a connection stored in Airflow's metadata DB wins."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    # odoo_db only in Airflow's metadata database: without it the engine would look for the embedded
    # server's odoo_demo database, which the test server does not have.
    monkeypatch.delenv("AIRFLOW_CONN_ODOO_DB")
    get_config.cache_clear()
    with create_session() as session:
        session.add(Connection(conn_id="odoo_db", uri=demo_sources["odoo_db"]))
    try:
        # the inputs of core.odoo_opportunities (a target missing a required input fails its stage); the
        # optional c_aws_accounts left out: the opportunities build without it, core.aws_accounts is skipped
        dr = _run("odoo_sync", run_conf={"full_refresh": True, "tables": ODOO_OPPORTUNITY_INPUTS})
    finally:
        with create_session() as session:
            session.query(Connection).filter(Connection.conn_id == "odoo_db").delete()
    assert dr.state == DagRunState.SUCCESS

    with psycopg.connect(warehouse) as conn:
        rows = conn.execute("SELECT job_type, status, config FROM ops.sync_jobs").fetchall()
        raw_tables = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'")}
    assert len(rows) == 1, rows
    job_type, status, config = rows[0]
    assert (job_type, status) == ("full_sync", "success")
    assert config["full_refresh"] is True
    assert sorted(config["tables"]) == sorted(ODOO_OPPORTUNITY_INPUTS)
    assert {"odoo_crm_lead", "odoo_res_partner"} <= raw_tables
    assert "odoo_sale_order" not in raw_tables


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_unreachable_source_sends_exactly_one_alert_email(warehouse, monkeypatch):
    """A forced failure: the Odoo database is down. One e-mail per failed task, and the job waits to retry."""
    from airflow.utils.state import DagRunState

    with SmtpSink() as inbox:
        monkeypatch.setenv("AIRFLOW_CONN_ODOO_DB", f"postgresql://odoo:secret@127.0.0.1:{_closed_port()}/odoo")
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", inbox.connection_uri())
        monkeypatch.setenv("PARTNER_SYNC_ALERT_EMAILS", "revops@example.com, data@example.com")
        monkeypatch.setenv("PARTNER_SYNC_ALERT_FROM", "airflow@partner-sync.example")
        monkeypatch.setenv("PARTNER_SYNC_RETRY_BASE_DELAY", "0.01")
        get_config.cache_clear()
        dr = _run("odoo_sync")
        for _ in range(50):  # the notifier runs in the task process; give the message a moment to arrive
            if inbox.messages:
                break
            time.sleep(0.1)
    assert dr.state == DagRunState.FAILED
    assert len(inbox.messages) == 1, [m[2]["Subject"] for m in inbox.messages]
    _, rcpt, msg = inbox.messages[0]
    assert sorted(rcpt) == ["data@example.com", "revops@example.com"]
    assert msg["From"] == "airflow@partner-sync.example"
    assert msg["Subject"] == "[partner_sync] odoo_sync.extract failed (try 1)"
    body = (msg.get_payload(0) if msg.is_multipart() else msg).get_payload(decode=True).decode()
    for needle in ("odoo_sync", "extract", dr.run_id, "unreachable after 4 attempts", "http"):
        assert needle in body, needle
    assert "secret" not in body  # the password never reaches the e-mail
    with psycopg.connect(warehouse) as conn:
        status, details, config = conn.execute("SELECT status, error_details, config FROM ops.sync_jobs").fetchone()
    # retries = 0 here: Airflow will not try again, so the job is failed (never pending_retry with a next
    # attempt that will not happen), and the try is in its attempts
    assert status == "failed" and details["next_attempt_at"] is None and details["kind"] == "unreachable"
    assert [(a["task"], a["try_number"], a["outcome"]) for a in config["attempts"]] == [("extract", 1, "failed")]


def test_backfill_over_two_days_reads_each_day_exactly(warehouse, demo_sources):
    """`airflow backfill create` for two past days: two backfill runs, each raw_load window its own day."""
    from airflow.models.backfill import _create_backfill
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from partner_sync.airflow.task_bodies import _window
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    from airflow.dag_processing.bundles.manager import DagBundlesManager

    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    sync_bag_to_db(bag, bundle_name="dags-folder", bundle_version=None)
    start, end = pendulum.datetime(2026, 5, 3, tz="UTC"), pendulum.datetime(2026, 5, 4, 23, tz="UTC")
    backfill = _create_backfill(dag_id="odoo_sync", from_date=start, to_date=end, max_active_runs=1,
                                reverse=False, dag_run_conf={}, triggering_user_name="partner_sync-tests")
    with create_session() as session:
        runs = session.scalars(select(DagRun).where(DagRun.backfill_id == backfill.id)
                               .order_by(DagRun.logical_date)).all()
        windows = [_window({"data_interval_start": r.data_interval_start, "data_interval_end": r.data_interval_end,
                            "dag_run": r})["data_interval"] for r in runs]
    assert len(runs) == 2
    assert [(w[0].isoformat(), w[1].isoformat()) for w in windows] == [
        ("2026-05-03T02:00:00+00:00", "2026-05-04T02:00:00+00:00"),
        ("2026-05-04T02:00:00+00:00", "2026-05-05T02:00:00+00:00")]
    # and the engine reads exactly those days (plus the overlap) from the source
    from partner_sync.pipeline import run_source

    settings = get_config()
    with psycopg.connect(demo_sources["odoo_db"], autocommit=True) as conn:  # changes on both days
        conn.execute("UPDATE crm_lead SET write_date = TIMESTAMP '2026-05-03 10:00' + id * interval '1 minute' "
                     "WHERE id IN (SELECT id FROM crm_lead ORDER BY id LIMIT 3)")
        conn.execute("UPDATE crm_lead SET write_date = TIMESTAMP '2026-05-04 09:00' + id * interval '1 minute' "
                     "WHERE id IN (SELECT id FROM crm_lead ORDER BY id DESC LIMIT 2)")
    run_source(settings, "odoo", stages=("extract", "raw_load"), full_refresh=True, tables=["crm_lead"])
    staged = []
    for w in windows:
        _, _, ctx = run_source(settings, "odoo", stages=("extract", "raw_load"), tables=["crm_lead"],
                               data_interval=w)
        lead = ctx.loads[0]
        lo = (w[0] - pendulum.duration(minutes=5)).replace(tzinfo=None)
        hi = w[1].replace(tzinfo=None)
        with psycopg.connect(demo_sources["odoo_db"]) as conn:
            expected = conn.execute("SELECT count(*) FROM crm_lead WHERE write_date >= %s AND write_date < %s",
                                    (lo, hi)).fetchone()[0]
        assert lead.staged == expected and lead.window["reason"] == "data interval"
        staged.append(lead.staged)
    assert staged[0] >= 3 and staged[1] >= 2


def _task_states(dag_id: str, run_id: str) -> dict[str, str]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return dict(session.execute(select(TaskInstance.task_id, TaskInstance.state)
                                    .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)).all())


@pytest.mark.slow
def test_maintenance_and_search_refresh_run_in_dag_test(synced, monkeypatch):
    """The two DAGs besides the source DAGs, run for real: reconcile brings back rows raw lost, VACUUM and
    pruning run, and search_refresh writes match decisions from the embeddings the pipelines made (the source
    DAGs' runs into the shared warehouse)."""
    from airflow.utils.state import DagRunState, TaskInstanceState

    for name in SOURCES:
        assert synced.run(name).state == DagRunState.SUCCESS
    synced.env(monkeypatch)
    warehouse = synced.url
    with psycopg.connect(warehouse, autocommit=True) as conn:  # rows the change cursor missed, as it were
        lost = [r[0] for r in conn.execute("DELETE FROM raw.odoo_crm_lead WHERE id IN "
                                           "(SELECT id FROM raw.odoo_crm_lead ORDER BY id LIMIT 3) RETURNING id")]
    assert len(lost) == 3

    dr = _run("partner_sync_maintenance")
    assert dr.state == DagRunState.SUCCESS
    assert _task_states("partner_sync_maintenance", dr.run_id) == {
        task: TaskInstanceState.SUCCESS for task in ("reconcile_odoo", "reconcile_apn", "vacuum_analyze", "prune_ops")}
    with psycopg.connect(warehouse) as conn:
        back = conn.execute("SELECT id FROM raw.odoo_crm_lead WHERE id = ANY(%s) AND _deleted_at IS NULL",
                            (lost,)).fetchall()
        reconciles = conn.execute("SELECT source_system, status FROM ops.sync_jobs WHERE job_type = 'reconcile' "
                                  "ORDER BY source_system").fetchall()
    assert sorted(r[0] for r in back) == sorted(lost)
    assert reconciles == [("apn", "success"), ("odoo", "success")]

    dr = _run("search_refresh")
    assert dr.state == DagRunState.SUCCESS
    assert _task_states("search_refresh", dr.run_id) == {"match": TaskInstanceState.SUCCESS}
    with psycopg.connect(warehouse) as conn:
        decisions = conn.execute("SELECT count(*) FROM search.match_decisions").fetchone()[0]
        cached = conn.execute("SELECT count(*) FROM search.similarity_cache").fetchone()[0]
        odoo_opportunities = conn.execute("SELECT count(*) FROM core.odoo_opportunities").fetchone()[0]
    assert odoo_opportunities > 0 and decisions == odoo_opportunities  # one decision per Odoo opportunity
    assert cached > 0


def test_transform_sql_is_rendered_through_template_fields(dagbag):
    """The transform task's SQL comes from include/sql/transform files, rendered by Airflow (UI: Rendered)."""
    op = dagbag.get_dag("odoo_sync").get_task("transform")
    assert "sql_templates" in op.template_fields and ".sql" in op.template_ext
    assert op.sql_templates == {"aws_accounts": "transform/aws_accounts.sql",
                                "aws_accounts_delete": "transform/aws_accounts_delete.sql",
                                "odoo_opportunities": "transform/odoo_opportunities.sql",
                                "odoo_opportunities_delete": "transform/odoo_opportunities_delete.sql"}
    op.render_template_fields({"ds": "2026-05-03"})
    text = (ROOT / "include/sql/transform/odoo_opportunities.sql").read_text()
    assert op.sql_templates["odoo_opportunities"] == text.rstrip("\n")  # Jinja drops the final newline
    from partner_sync.source_defs import TransformDef
    from partner_sync.transform import rules_for

    tdef = TransformDef("core.odoo_opportunities", "odoo_opportunities", "raw.odoo_crm_lead")
    rendered = (op.sql_templates["odoo_opportunities"], op.sql_templates["odoo_opportunities_delete"])
    assert rules_for(ROOT / "include", tdef, rendered) == rules_for(ROOT / "include", tdef)  # same lineage hash


def test_a_shared_template_tail_is_rendered_and_hashed_as_from_the_files(dagbag):
    """apn's funding template ends in the shared ace_funding_write.sql: Airflow renders it as a template file of
    its own, and the composed text hashes as the files do (a run from Airflow and one from the CLI agree)."""
    from partner_sync.source_defs import load_source
    from partner_sync.transform import composed, rules_for

    op = dagbag.get_dag("apn_sync").get_task("transform")
    assert op.sql_templates["ace_funding_write"] == "transform/ace_funding_write.sql"
    op.render_template_fields({"ds": "2026-05-03"})
    funding = [t for t in load_source(ROOT / "include", "apn").transforms if t.tail]
    assert [t.template for t in funding] == ["ace_funding_apfp", "ace_funding_benefits"]
    for tdef in funding:
        text = composed(tdef, op.sql_templates.__getitem__)
        assert "UPDATE core.ace_opportunities t" in text and "per_opp" in text
        assert rules_for(ROOT / "include", tdef, (text, None)) == rules_for(ROOT / "include", tdef)


@pytest.mark.parametrize("mode", ["celery_gpu", "kubernetes"])
def test_embed_runs_on_a_gpu_queue_or_as_a_gpu_pod(airflow_env, monkeypatch, mode):
    """Configuration moves the embed task to a GPU worker queue or a KubernetesPodOperator with nvidia.com/gpu."""
    from partner_sync.airflow.dag_factory import build_source_dag

    monkeypatch.setenv("PARTNER_SYNC_EMBED_EXECUTION", mode)
    monkeypatch.setenv("PARTNER_SYNC_EMBED_IMAGE", "registry.example/partner-sync:1.2")
    get_config.cache_clear()
    try:
        settings = get_config()
        dag = build_source_dag(load_sources(settings.include_dir)["odoo"], settings)
        embed = dag.get_task("embed")
        if mode == "celery_gpu":
            assert embed.queue == "gpu"
        else:
            assert type(embed).__name__ == "KubernetesPodOperator"
            assert embed.image == "registry.example/partner-sync:1.2"
            assert embed.container_resources.limits == {"nvidia.com/gpu": "1"}
            assert embed.arguments[:2] == ["embed", "odoo"] and "--finish-job" in embed.arguments
        assert [a.uri for a in embed.outlets] == ["x-partner-sync://warehouse/search/embeddings/odoo"]
    finally:
        get_config.cache_clear()


def test_retry_policy_retries_only_what_a_retry_can_fix(airflow_env):
    """Transient failures get the configured delays in turn; failed checks, bad config, SQL errors: no retry."""
    from datetime import timedelta
    from types import SimpleNamespace

    from airflow.sdk.definitions.retry_policy import RetryAction

    from partner_sync.airflow.retries import TransientOnlyRetryPolicy, retry_args, will_retry
    from partner_sync.checks import ChecksFailed
    from partner_sync.config import ConfigError
    from partner_sync.database import DatabaseUnavailable

    policy = TransientOnlyRetryPolicy((300.0, 600.0, 1200.0))
    down = DatabaseUnavailable("connect odoo: unreachable after 4 attempts")
    assert [policy.evaluate(down, n, 3).retry_delay for n in (1, 2, 3)] == [
        timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert policy.evaluate(down, 1, 3).action == RetryAction.RETRY
    for permanent in (ChecksFailed("2 data-quality check(s) failed"), ConfigError(["PARTNER_SYNC_X bad"]),
                      ValueError("source odoo: unknown table(s) nope")):
        decision = policy.evaluate(permanent, 1, 3)
        assert decision.action == RetryAction.FAIL and "not retried" in decision.reason
    assert sum(policy.delays) / 60 <= 60  # the alert comes within the hour
    assert retry_args(())["retries"] == 0 and retry_args((3.0, 3.0))["retries"] == 2

    # what the job row says before Airflow acts: the same decision, and Airflow's own try count
    task = SimpleNamespace(retry_policy=policy)
    ti = lambda n, max_tries: SimpleNamespace(task=task, try_number=n, max_tries=max_tries)  # noqa: E731
    assert will_retry({"ti": ti(1, 3)}, down)[1] == timedelta(minutes=5)
    assert will_retry({"ti": ti(4, 3)}, down)[1] is None  # the last try
    assert will_retry({"ti": ti(1, 0)}, down)[1] is None  # retries = 0
    failure, delay = will_retry({"ti": ti(1, 3)}, ChecksFailed("x", ["core.t.c.range"]))
    assert (failure.kind, failure.transient, delay) == ("checks_failed", False, None)


def test_failure_callbacks_close_a_job_left_open_and_leave_finished_ones(warehouse):
    """The safety nets of one truth: a failed DAG run (or a task's last try) closes a job still open."""
    from types import SimpleNamespace

    from partner_sync.airflow.job_state import close_job_on_dag_failure, close_job_on_task_failure
    from partner_sync.database import Database
    from partner_sync.pipeline import finish_job, open_job

    settings = get_config()
    source = load_sources(settings.include_dir)["odoo"]
    with Database.from_settings(settings) as db:
        running = open_job(settings, db, source, airflow={"dag_id": "odoo_sync", "run_id": "r1", "try_number": 1})
        done = open_job(settings, db, source, airflow={"dag_id": "odoo_sync", "run_id": "r2", "try_number": 1})
        finish_job(settings, db, done, "success")
    close_job_on_dag_failure({"dag_run": SimpleNamespace(dag_id="odoo_sync", run_id="r1"),
                              "reason": "task_failure"})
    close_job_on_dag_failure({"dag_run": SimpleNamespace(dag_id="odoo_sync", run_id="r2"), "reason": "x"})
    close_job_on_task_failure({"ti": SimpleNamespace(dag_id="odoo_sync", run_id="nope", task_id="extract",
                                                     try_number=1), "exception": RuntimeError("gone")})
    with psycopg.connect(warehouse) as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            "SELECT job_id, status, error_message, error_details FROM ops.sync_jobs").fetchall()}
    status, error, details = rows[running]
    assert (status, error, details["closed_by"]) == ("failed", "run failed: task_failure", "dag_run")
    assert rows[done][0] == "success"
