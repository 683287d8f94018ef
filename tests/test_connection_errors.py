"""Connection errors a user meets first: a malformed URL, a refused login, a dropped connection (issue #14).

Each is a configuration error or a transient one, as it should be; each names the connection id and the
side (source or warehouse); none repeats a password or the parts of a URL a password may have spilled into.
"""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("parse, url", [
    ("odoo", "odoo://bot:k3y/Zq9#x@erp.example.com:8069/prod?protocol=jsonrpc"),
    ("aws", "aws://AKIDEXAMPLE:s3cr/Zq9#x@/?region_name=us-east-1"),
])
def test_api_connection_urls_are_read_by_the_same_parser(parse, url):
    """The Odoo and AWS forms go through the same parser: the same refusal, the same silence about the secret."""
    from partner_sync.connection_forms import parse_aws_connection, parse_odoo_connection

    with pytest.raises(ConnectionFormError) as err:
        (parse_odoo_connection if parse == "odoo" else parse_aws_connection)(url)
    assert "malformed" in str(err.value) and "Zq9" not in str(err.value) and "s3cr" not in str(err.value)
    assert classify(err.value).kind == "configuration"


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


# -- secrets: columns named like one, and keys inside JSON columns --------------------------------------------

SECRETS = ("hunter2", "k-123-abc", "pw-in-array", "PRIVATE-PEM", "cred-9")


@pytest.fixture
def json_env(make_db):
    src, wh = make_db("src"), make_db("wh")
    settings = load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": wh, "AIRFLOW_CONN_ODOO_DB": src,
                              "AIRFLOW_CONN_APN_DB": src, "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4",
                              "PARTNER_SYNC_EMBEDDING_DIM": "8"}, dotenv=False)
    from partner_sync.migrations import migrate, migration_params

    migrate(wh, settings.sql_dir, migration_params(settings))
    with psycopg.connect(src, autocommit=True) as c:
        c.execute("CREATE TABLE crm_lead (id int PRIMARY KEY, name text, lead_properties jsonb, settings jsonb, "
                  "x_passwd text, ssh_private_key text, aws_credentials text, write_date timestamp)")
        c.execute("""INSERT INTO crm_lead VALUES
            (1, 'Acme', '{"password": "hunter2", "nested": {"apiKey": "k-123-abc", "label": "keep me"},
                          "items": [{"X-Passwd": "pw-in-array"}, {"qty": 2}], "signup_token": ""}',
                '{"private_key": "PRIVATE-PEM", "region": "eu"}', 'p', 'k', 'c', '2026-03-01 12:00'),
            (2, 'Brim', '{"color": "red"}', '{"a":   1,  "credentials": "cred-9"}', 'p', 'k', 'c', '2026-03-01 12:01'),
            (3, 'Cora', '{"color": "blue"}', '{"kept": "as written"}', NULL, NULL, NULL, '2026-03-01 12:02')""")
    return settings, src, wh


def _source(**extra):
    from partner_sync.source_defs import parse_source

    return parse_source({"source": "odoo", "connection_id": "odoo_db", **extra,
                         "tables": {"crm_lead": {"primary_key": ["id"], "cursor": "write_date"}}})


def _sync(settings, source):
    from partner_sync.pipeline import run_source

    _, _, ctx = run_source(settings, source, stages=("extract", "raw_load"))
    return {t.table: t for t in ctx.loads}["crm_lead"]


def _raw(wh: str) -> dict[int, tuple]:
    with psycopg.connect(wh) as c:
        return {r[0]: r[1:] for r in c.execute(
            "SELECT id, lead_properties, settings::text, to_jsonb(l)::text FROM raw.odoo_crm_lead l ORDER BY id")}


def test_secret_columns_and_json_keys_never_reach_raw(json_env):
    """Before: passwd/private_key/credential columns were left out, but a "password" key inside a jsonb
    column (Odoo properties) was mirrored as it was."""
    settings, src, wh = json_env
    load = _sync(settings, _source())
    assert load.inserted == 3 and load.path != "direct"  # staged, masked, then written
    with psycopg.connect(wh) as c:
        columns = {r[0] for r in c.execute("SELECT column_name FROM information_schema.columns "
                                           "WHERE table_schema = 'raw' AND table_name = 'odoo_crm_lead'")}
    assert not columns & {"x_passwd", "ssh_private_key", "aws_credentials"}
    raw = _raw(wh)
    props, settings_text, whole = raw[1]
    assert props == {"password": "***", "nested": {"apiKey": "***", "label": "keep me"},
                     "items": [{"X-Passwd": "***"}, {"qty": 2}], "signup_token": ""}
    assert json.loads(settings_text) == {"private_key": "***", "region": "eu"}
    assert json.loads(raw[2][1]) == {"a": 1, "credentials": "***"}
    assert json.loads(raw[3][1]) == {"kept": "as written"}
    everything = " ".join(r[2] for r in raw.values())
    for secret in SECRETS:
        assert secret not in everything

    # a rerun changes nothing; a changed secret at the source is masked on the incremental path too
    assert (_sync(settings, _source()).updated, _raw(wh)) == (0, raw)
    with psycopg.connect(src, autocommit=True) as c:
        c.execute("""UPDATE crm_lead SET lead_properties = '{"password": "n3w-s3cret", "color": "green"}',
                     write_date = '2026-03-02 09:00' WHERE id = 2""")
    assert _sync(settings, _source()).updated == 1
    assert _raw(wh)[2][0] == {"password": "***", "color": "green"}
    assert "n3w-s3cret" not in _raw(wh)[2][2]


def test_json_masking_is_configured_in_the_source_yaml(json_env):
    settings, src, wh = json_env
    _sync(settings, _source(json_secret_patterns=["label"]))  # only these keys
    props = _raw(wh)[1][0]
    assert props["nested"] == {"apiKey": "k-123-abc", "label": "***"} and props["password"] == "hunter2"


def test_json_masking_can_be_turned_off(json_env):
    settings, src, wh = json_env
    assert _sync(settings, _source(json_secret_patterns=[])).path == "direct"  # the first load's fast path
    assert _raw(wh)[1][0]["password"] == "hunter2"


def test_a_bad_json_secret_pattern_is_a_definition_error():
    from partner_sync.source_defs import SourceDefinitionError

    with pytest.raises(SourceDefinitionError, match="json_secret_patterns"):
        _source(json_secret_patterns=["("])


def test_a_json_text_column_keeps_its_exact_text_unless_a_key_is_masked(db_url):
    from psycopg import sql

    from partner_sync.raw.json_secrets import mask_json_secrets

    with psycopg.connect(db_url) as c:
        c.execute("CREATE TEMP TABLE _stg (id int, doc json, props jsonb)")
        c.execute("""INSERT INTO _stg VALUES (1, '{"a":   1}', '{"b": 2}'),
                     (2, '{"accessToken":  "t0k", "a": [ {"ApiKey": "k"} ]}', '{"Private Key": "pem", "n": null}'),
                     (3, NULL, '[{"client_secret": ""}]')""")
        changed = mask_json_secrets(c, ROOT / "include", sql.Identifier("_stg"), {"doc": "json", "props": "jsonb"},
                                    ["id", "doc", "props"], ("password", "token", "api_key", "private_key", "secret"))
        got = c.execute("SELECT id, doc::text, props FROM _stg ORDER BY id").fetchall()
    assert changed == 2
    assert got == [(1, '{"a":   1}', {"b": 2}),
                   (2, '{"a": [{"ApiKey": "***"}], "accessToken": "***"}', {"Private Key": "***", "n": None}),
                   (3, None, [{"client_secret": ""}])]


def _kill_on_read_source(src: str) -> None:
    """A source 'table' (a view, as discovery allows) whose every read ends its own server process: the
    source connection drops mid-load, deterministically."""
    with psycopg.connect(src, autocommit=True) as c:
        c.execute("CREATE TABLE lead_base (id int PRIMARY KEY, name text, write_date timestamp)")
        c.execute("INSERT INTO lead_base SELECT g, 'Lead ' || g, '2026-03-01'::timestamp + g * interval '1 minute' "
                  "FROM generate_series(1, 50) g")
        c.execute("CREATE VIEW crm_lead AS SELECT * FROM lead_base WHERE pg_terminate_backend(pg_backend_pid())")


def test_a_source_connection_dropped_mid_load_is_named(json_env):
    from partner_sync.raw.sync import TablesFailed

    settings, src, wh = json_env
    with psycopg.connect(src, autocommit=True) as c:
        c.execute("DROP TABLE crm_lead")
    _kill_on_read_source(src)
    with pytest.raises(TablesFailed) as err:
        _sync(settings, _source())
    assert "crm_lead: source connection odoo_db" in str(err.value) and "connection lost" in str(err.value)
    with psycopg.connect(wh) as c:
        status, message = c.execute("SELECT status, error_message FROM ops.sync_jobs").fetchone()
    assert status == "failed" and "source connection odoo_db" in message


def test_a_warehouse_connection_dropped_mid_load_is_named(json_env):
    from partner_sync.raw.sync import TablesFailed

    settings, src, wh = json_env
    _sync(settings, _source())
    with psycopg.connect(wh, autocommit=True) as c:  # the next write into raw ends the warehouse's server process
        c.execute("CREATE FUNCTION public.die() RETURNS trigger LANGUAGE plpgsql AS "
                  "$$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$")
        c.execute("CREATE TRIGGER die BEFORE INSERT OR UPDATE ON raw.odoo_crm_lead FOR EACH ROW "
                  "EXECUTE FUNCTION public.die()")
    with psycopg.connect(src, autocommit=True) as c:
        c.execute("UPDATE crm_lead SET name = 'Acme 2', write_date = '2026-03-05' WHERE id = 1")
    with pytest.raises(TablesFailed) as err:
        _sync(settings, _source())
    assert "crm_lead: warehouse connection warehouse_db" in str(err.value) and "connection lost" in str(err.value)
