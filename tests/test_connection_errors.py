"""Connection errors a user meets first: a malformed URL, a refused login, a dropped connection (issue #14).

Each is a configuration error or a transient one, as it should be; each names the connection id and the
side (source or warehouse); none repeats a password or the parts of a URL a password may have spilled into.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from partner_sync.config import ConfigError, load_settings
from partner_sync.connection_forms import ConnectionFormError, parse_connection, parse_fields, postgres_spec
from partner_sync.database import ConnectionLost, ConnectionRejected, RetryPolicy, connect, name_lost_connection
from partner_sync.failures import classify

ROOT = Path(__file__).resolve().parents[1]
# Passwords with an unencoded / ? or #: their tails land in the host, port, path or fragment.
MALFORMED = {
    "postgresql://user:pa/ss#x@host/db": ("pa/ss", "ss#x"),
    "postgresql://etl:12/34#Zq@db.internal/wh": ("12/34", "34#Zq", "Zq"),   # accepted before: port 12, database 34
    "postgresql://etl:Wv9?k=1@db.internal/wh": ("Wv9", "k=1"),
    "postgres://etl:Qx7#frag@db.internal:5432/wh": ("Qx7", "frag"),
}


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_is_a_configuration_error_that_repeats_none_of_it(url):
    with pytest.raises(ConfigError) as err:
        load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": url}, dotenv=False)
    text = str(err.value)
    assert "AIRFLOW_CONN_WAREHOUSE_DB" in text and "malformed" in text and "percent-encode" in text
    for fragment in MALFORMED[url]:
        assert fragment not in text, (fragment, text)
    failure = classify(err.value)
    assert (failure.transient, failure.kind) == (False, "configuration")
    with pytest.raises(ConnectionFormError):
        parse_connection("odoo_db", url)


def test_an_encoded_password_with_the_same_characters_parses():
    spec = parse_connection("warehouse_db", "postgresql://user:pa%2Fss%23x%3F%40@host:5433/db")
    assert (spec.user, spec.password, spec.host, spec.port, spec.dbname) == ("user", "pa/ss#x?@", "host", 5433, "db")


def test_libpq_extras_pass_through_except_airflows_own():
    fields = parse_fields("warehouse_db", '{"conn_type": "postgres", "host": "db", "login": "u", "password": "p", '
                          '"schema": "wh", "extra": {"sslmode": "verify-full", "sslrootcert": "/ca.pem", '
                          '"connect_timeout": 7, "options": "-c statement_timeout=5min", "keepalives": true, '
                          '"application_name": "partner_sync", "cursor": "dictcursor", "iam": false, '
                          '"sqlalchemy_scheme": "postgresql+psycopg"}}')
    options = dict(postgres_spec(fields).options)
    assert options == {"sslmode": "verify-full", "sslrootcert": "/ca.pem", "connect_timeout": "7",
                       "options": "-c statement_timeout=5min", "keepalives": "1", "application_name": "partner_sync"}
    with pytest.raises(ConnectionFormError, match="warehouse_db: extra 'ssl_mode' is not a libpq connection"):
        parse_connection("warehouse_db", "postgresql://u@db/wh?ssl_mode=require")


def test_extras_reach_the_server(db_url):
    """application_name and options from the connection's extras are what the server sees."""
    spec = parse_connection("warehouse_db", db_url + "?application_name=ps_extras_probe"
                            "&options=-c%20statement_timeout%3D1234")
    with connect(spec) as conn:
        name, timeout = conn.execute("SELECT current_setting('application_name'), "
                                     "current_setting('statement_timeout')").fetchone()
    assert (name, timeout) == ("ps_extras_probe", "1234ms")


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    return subprocess.run([str(Path(sys.executable).with_name("partner_sync")), *args],
                          env={**base, "PARTNER_SYNC_RETRY_BASE_DELAY": "0.05", **env}, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def _jobs(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT status, coalesce(error_message, '') FROM ops.sync_jobs").fetchall()


@pytest.fixture
def migrated_warehouse(db_url) -> str:
    from partner_sync.migrations import migrate, migration_params

    settings = load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": db_url, "PARTNER_SYNC_EMBEDDING_DIM": "384"}, dotenv=False)
    migrate(db_url, settings.sql_dir, migration_params(settings))
    return db_url


def test_cli_run_with_a_malformed_source_url_opens_no_job_and_leaks_nothing(migrated_warehouse):
    """Before: the job opened, retried a source 'reader:12' on port 12 as pending_retry every 30 minutes,
    and the error named the password's tail as the database."""
    result = _cli(["run", "odoo"], {"AIRFLOW_CONN_WAREHOUSE_DB": migrated_warehouse,
                                    "AIRFLOW_CONN_ODOO_DB": "postgresql://reader:12/34#Zq@127.0.0.1/odoo"})
    assert result.returncode == 2, result.stderr
    assert "AIRFLOW_CONN_ODOO_DB" in result.stderr and "malformed" in result.stderr
    for fragment in ("12/34", "34#Zq", "Zq"):
        assert fragment not in result.stderr + result.stdout
    assert _jobs(migrated_warehouse) == []


def test_a_missing_database_names_the_connection_and_is_not_retried(migrated_warehouse, pg_admin_url):
    missing = pg_admin_url.rsplit("/", 1)[0] + "/no_such_odoo"
    result = _cli(["run", "odoo"], {"AIRFLOW_CONN_WAREHOUSE_DB": migrated_warehouse, "AIRFLOW_CONN_ODOO_DB": missing,
                                    "AIRFLOW_CONN_APN_DB": missing})
    assert result.returncode != 0
    assert "source connection odoo_db" in result.stderr and "no_such_odoo" in result.stderr, result.stderr
    [(status, message)] = _jobs(migrated_warehouse)
    assert status == "failed" and "source connection odoo_db" in message  # not pending_retry


@pytest.mark.parametrize("conn_id, side", [("warehouse_db", "warehouse"), ("apn_db", "source")])
def test_a_refused_login_names_the_connection_id_and_side(pg_admin_url, conn_id, side):
    base = pg_admin_url.rsplit("/", 1)[0]
    for url, reason in ((base + "/no_such_db", 'database "no_such_db" does not exist'),
                        (base.replace("postgres@", "ghost_role:s3cr3t@") + "/postgres", 'role "ghost_role"')):
        with pytest.raises(ConnectionRejected) as err:
            connect(parse_connection(conn_id, url), retry=RetryPolicy(attempts=2, sleep=lambda s: None))
        text = str(err.value)
        assert f"{side} connection {conn_id}" in text and reason in text and "s3cr3t" not in text
        assert (classify(err.value).transient, classify(err.value).kind) == (False, "configuration")


@pytest.mark.parametrize("victim", ["source", "warehouse"])
def test_a_dropped_connection_says_which_side(make_db, pg_admin_url, victim):
    source = connect(parse_connection("odoo_db", make_db("src")))
    warehouse = connect(parse_connection("warehouse_db", make_db("wh")))
    dropped = source if victim == "source" else warehouse
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (dropped.info.backend_pid,))
    try:
        with pytest.raises(ConnectionLost) as err, name_lost_connection(
                {"source connection odoo_db": source, "warehouse connection warehouse_db": warehouse}):
            warehouse.execute("SELECT 1")
            source.execute("SELECT 1")
        expected = "source connection odoo_db" if victim == "source" else "warehouse connection warehouse_db"
        assert str(err.value).startswith(f"{expected}: connection lost")
        assert (classify(err.value).transient, classify(err.value).kind) == (True, "unreachable")
    finally:
        source.close()
        warehouse.close()


def test_an_unconfigured_connection_is_a_configuration_error_naming_its_id():
    """Production (an Airflow worker) has no embedded server to fall back to."""
    settings = load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": "postgresql://u@db/wh"}, dotenv=False)
    with pytest.raises(ConfigError, match="connection 'odoo_db' is not configured.*AIRFLOW_CONN_ODOO_DB") as err:
        settings.conn("odoo_db")
    assert classify(err.value).kind == "configuration"
