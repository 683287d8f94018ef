"""Airflow test environment: a PostgreSQL metadata database on the embedded test server, set up once.

Airflow reads its configuration when ``airflow`` is first imported, so the environment is set before
that import (the test modules import Airflow only inside fixtures and tests, never at module level).

Speed: ``airflow db migrate`` runs once per Airflow release (about 2.5 s) into a *template* database
``airflow_meta_tpl_<hash of the installed apache-airflow* versions>``, marked ready with a database
comment only after the migration succeeded. Every test session then clones it
(``CREATE DATABASE ... TEMPLATE``, well under a second) into its own ``airflow_meta_<random>``, which is
dropped at the end: later sessions start from a clean, already migrated metadata database, and
concurrent sessions never share one. Each clone carries a comment with its host and pid, so the clone of
a killed session is dropped by the next one; templates of other Airflow releases are dropped too.

Tests that start a local Airflow but do not test its start-up (``prepare_prepared_metadata_db``) clone a second
template that also has the sources' pools, built from the first with ``airflow pools import`` once, and record
their clone as prepared the way ``partner_sync.dev.local_airflow.prepare`` does: ``prepare`` then skips its
``airflow db migrate`` and ``airflow pools import`` subprocesses (test_airflow_runs.py checks those on a plain clone).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import psycopg
from psycopg import sql
from partner_sync.dev.local_airflow import process_alive  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)
_LOCK_KEY = 0x4146_4D54  # "AFMT": one template build / clone at a time per server
_SESSION_MARKER = "partner_sync airflow test session"


@dataclass
class AirflowTestEnv:
    home: Path
    metadata_db: str
    metadata_url: str  # SQLAlchemy URL (postgresql+psycopg2://...)
    template_db: str
    template_built: bool  # False when an earlier session's template was reused
    seconds: dict[str, float]


def airflow_fingerprint() -> str:
    """Hash of every installed apache-airflow* distribution and its version (decides the schema)."""
    found = sorted({f"{d.metadata['Name'].lower()}=={d.version}" for d in importlib.metadata.distributions()
                    if (d.metadata["Name"] or "").lower().startswith("apache-airflow")})
    return hashlib.sha256("\n".join(found).encode()).hexdigest()[:12]


def _url(admin_url: str, dbname: str, driver: str = "postgresql") -> str:
    base = admin_url.rsplit("/", 1)[0]
    return driver + base[base.index("://"):] + "/" + dbname


def _ready_marker(pools: Mapping[str, int] | None = None) -> str:
    marker = f"partner_sync test template, airflow {airflow_fingerprint()}, migrated"
    return marker + (f", pools {json.dumps(dict(sorted(pools.items())))}" if pools is not None else "")


def _template_name(pools: Mapping[str, int] | None = None) -> str:
    name = f"airflow_meta_tpl_{airflow_fingerprint()}"
    if pools is None:
        return name
    return name + "_pools_" + hashlib.sha256(json.dumps(dict(sorted(pools.items()))).encode()).hexdigest()[:8]


def _template_ready(admin: psycopg.Connection, name: str, pools: Mapping[str, int] | None = None) -> bool:
    row = admin.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                        (name,)).fetchone()
    return bool(row) and row[0] == _ready_marker(pools)


def _drop_stale(admin: psycopg.Connection, template: str) -> None:
    """Drop templates of other Airflow releases, and session databases whose test process is gone."""
    host = socket.gethostname()
    for name, comment in admin.execute(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname LIKE 'airflow_meta_%'"
            ).fetchall():
        stale = False
        if name.startswith("airflow_meta_tpl_"):  # this release's templates (with or without pools) stay
            stale = not name.startswith(template) and (comment or "").startswith("partner_sync test template")
        elif (comment or "").startswith(_SESSION_MARKER):
            _, _, rest = comment.partition(_SESSION_MARKER)
            owner_host, _, pid = rest.strip().partition(" ")
            stale = owner_host == host and pid.isdigit() and not process_alive(int(pid))
        if stale:
            log.info("dropping stale test database %s", name)
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _migrate(env: dict[str, str]) -> None:
    """``airflow db migrate`` in a subprocess (keeps this process's Airflow unconfigured until we're done)."""
    cmd = [sys.executable, "-m", "airflow", "db", "migrate"]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed (exit {result.returncode}):\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def airflow_env_vars(home: Path, metadata_url: str) -> dict[str, str]:
    """The environment Airflow needs for the tests (merged over os.environ by the caller)."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
    }


def prepare_metadata_db(admin_url: str, home: Path, pools: Mapping[str, int] | None = None) -> AirflowTestEnv:
    """Build (first time) or reuse the migrated template, clone it for this session; sets nothing in os.environ.

    With ``pools``: the clone comes from the template that also has these pools (built from the migrated one)."""
    seconds: dict[str, float] = {}
    base = _template_name()
    template = _template_name(pools)
    session_db = f"airflow_meta_{uuid.uuid4().hex[:10]}"
    built = False
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            if not _template_ready(admin, base):
                started = time.monotonic()
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(base)))
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(base)))
                env = {**os.environ, **airflow_env_vars(home, _url(admin_url, base, "postgresql+psycopg2"))}
                _migrate(env)
                admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(base), sql.Literal(_ready_marker())))
                built = True
                seconds["airflow_db_migrate"] = round(time.monotonic() - started, 2)
            if pools is not None and not _template_ready(admin, template, pools):
                from partner_sync.dev.local_airflow import import_pools

                started = time.monotonic()
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(template)))
                admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(template), sql.Identifier(base)))
                (home / "plugins").mkdir(parents=True, exist_ok=True)
                import_pools(airflow_env_vars(home, _url(admin_url, template, "postgresql+psycopg2")), home, pools)
                admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(template), sql.Literal(_ready_marker(pools))))
                built = True
                seconds["airflow_pools_import"] = round(time.monotonic() - started, 2)
            _drop_stale(admin, base)
            started = time.monotonic()
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(session_db), sql.Identifier(template)))
            admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(session_db), sql.Literal(f"{_SESSION_MARKER} {socket.gethostname()} {os.getpid()}")))
            seconds["clone_metadata_db"] = round(time.monotonic() - started, 2)
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return AirflowTestEnv(home, session_db, _url(admin_url, session_db, "postgresql+psycopg2"), template, built,
                          seconds)


def prepare_prepared_metadata_db(admin_url: str, home: Path, settings) -> AirflowTestEnv:
    """A clone with the sources' pools that ``home`` records as prepared, as ``local_airflow.prepare`` itself does
    after ``airflow db migrate`` and ``airflow pools import``: its ``prepare`` then runs neither (for the tests whose
    subject is not Airflow's start-up; test_airflow_runs.py checks those steps)."""
    from partner_sync.dev import local_airflow as local

    pools = local.pool_sizes(settings)
    env = prepare_metadata_db(admin_url, home, pools)
    home.mkdir(parents=True, exist_ok=True)
    (home / local.PREPARED_FILE).write_text(local._prepared_marker(admin_url, env.metadata_db, pools))
    return env


def drop_metadata_db(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def configure_airflow(metadata_url: str) -> None:
    """Import Airflow (it reads the environment, which must be set by now) and check it uses ``metadata_url``.

    If another module imported Airflow before the environment was set, its ORM is re-pointed; values
    Airflow computed at that import other than the ORM and the folders may still be stale, hence the warning.
    """
    already = "airflow.settings" in sys.modules
    from airflow import settings

    if settings.SQL_ALCHEMY_CONN != metadata_url:
        if already:
            log.warning("airflow was imported before the test environment was set; reconfiguring its ORM")
        settings.dispose_orm()
        settings.configure_vars()
        settings.configure_orm()
    if settings.SQL_ALCHEMY_CONN != metadata_url or settings.engine is None \
            or settings.engine.dialect.name != "postgresql":
        raise RuntimeError(f"Airflow is not using the test metadata database {metadata_url}: "
                           f"{settings.SQL_ALCHEMY_CONN}")


def dispose_airflow_orm() -> None:
    if "airflow.settings" in sys.modules:
        from airflow import settings

        settings.dispose_orm()
