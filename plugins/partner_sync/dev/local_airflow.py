"""Airflow on this machine: api-server, scheduler, dag-processor and triggerer as four processes.

Metadata database: ``airflow`` on the embedded PostgreSQL server (never SQLite); connections
``warehouse_db``/``odoo_db``/``apn_db`` as ``AIRFLOW_CONN_*`` variables (the configured ones, else the
embedded server's databases); one pool per source (``odoo_source``, ``apn_source``, sizes from
``PARTNER_SYNC_<SOURCE>_POOL_SIZE``, default 4); SimpleAuthManager with one admin user whose password
is kept in ``$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated``.

    prepare(settings)  db up, warehouse migrate, airflow db migrate, pools, secrets -> the environment
    start(settings)    the four processes (own process groups, pid files, logs) until the API and DAGs are up
    stop(home)         SIGTERM to every process group (and task process groups), SIGKILL after a grace period

``AIRFLOW_HOME`` is ``$PARTNER_SYNC_HOME/airflow`` (``.local/airflow``). Separate processes rather than
``airflow standalone``: one log file per component, one pid per component for ``stop``, no extra
supervising process, and the port / executor / auth settings stay exactly as set here.

Airflow is never imported here (only run as ``airflow ...`` subprocesses), so this module is cheap to
import and works in a process whose own Airflow points elsewhere (the tests). Absolute imports only:
Airflow's plugin loader may execute this file as a top-level module.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import urlsafe_b64encode
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping
from urllib.parse import quote, urlencode

from partner_sync.config import ConnSpec, Settings
from partner_sync.dev.embedded import EMBEDDED_DATABASES, with_embedded_fallback

log = logging.getLogger(__name__)

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"
METADATA_DB = "airflow"
ADMIN_USER = "admin"
DEFAULT_POOL_SIZE = 4
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"
SECRETS_FILE = "partner_sync_secrets.json"
STATE_FILE = "partner_sync_airflow.json"
PREPARED_FILE = "partner_sync_prepared.json"
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


class LocalAirflowError(RuntimeError):
    """Local Airflow could not be prepared, started or reached; the message says why (and where the logs are)."""


# -- where things are -------------------------------------------------------------------------------

def airflow_home(settings: Settings) -> Path:
    """``$PARTNER_SYNC_HOME/airflow`` (``.local/airflow`` by default)."""
    return settings.home / "airflow"


def _bin(name: str) -> str:
    """An executable of this interpreter's environment (the venv's ``airflow``)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _server(settings: Settings):
    from partner_sync.dev.embedded import EmbeddedServer

    return EmbeddedServer(settings.home, port=settings.embedded_port)


def _with_embedded(settings: Settings) -> Settings:
    """The local Airflow's connections: the configured ones, else the embedded server's databases."""
    return settings if settings.connection_fallback is not None else with_embedded_fallback(settings)


def metadata_url(settings: Settings, database: str = METADATA_DB) -> str:
    """SQLAlchemy URL of Airflow's metadata database on the embedded server (which must be running)."""
    url = _server(settings).url(database)
    return "postgresql+psycopg2" + url[url.index("://"):]


def connection_uri(spec: ConnSpec) -> str:
    """An Airflow connection URI (``postgresql://user:pass@host:port/db?k=v``) for a ConnSpec."""
    auth = ""
    if spec.user:
        auth = quote(spec.user, safe="")
        if spec.password:
            auth += ":" + quote(spec.password, safe="")
        auth += "@"
    query = dict(spec.options)
    host = spec.host or ""
    if host.startswith("/"):  # a Unix socket folder goes in the query (libpq's host parameter)
        query["host"], host = host, ""
    port = f":{spec.port}" if spec.port else ""
    uri = f"postgresql://{auth}{host}{port}/{quote(spec.dbname or '', safe='')}"
    return uri + ("?" + urlencode(query) if query else "")


def pool_sizes(settings: Settings, env: Mapping[str, str] | None = None) -> dict[str, int]:
    """``{pool: slots}`` for every source that names a pool; ``PARTNER_SYNC_<SOURCE>_POOL_SIZE`` (default 4)."""
    from partner_sync.source_defs import load_sources

    env = os.environ if env is None else env
    pools: dict[str, int] = {}
    problems = []
    for name, source in load_sources(settings.include_dir).items():
        if not source.pool:
            continue
        key = f"PARTNER_SYNC_{name.upper()}_POOL_SIZE"
        raw = (env.get(key) or "").strip()
        try:
            size = int(raw) if raw else DEFAULT_POOL_SIZE
            if size < 1:
                raise ValueError
        except ValueError:
            problems.append(f"{key}={raw!r} must be a positive integer")
            continue
        pools[source.pool] = max(pools.get(source.pool, 0), size)
    if problems:
        from partner_sync.config import ConfigError

        raise ConfigError(problems)
    return pools


def expected_dag_ids(settings: Settings) -> list[str]:
    """The per-source DAG ids (``<source>_sync``) the DAG folder builds from include/sources/*.yml."""
    from partner_sync.source_defs import load_sources

    return sorted(f"{name}_sync" for name in load_sources(settings.include_dir))


# -- secrets and login ------------------------------------------------------------------------------

def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def _secrets(home: Path) -> dict[str, str]:
    """JWT secret, API secret key and Fernet key, generated once per AIRFLOW_HOME.

    Every component must share the JWT secret (the scheduler signs the tokens the api-server checks);
    Airflow 3.3 writes no airflow.cfg to hold a generated one, so it is kept here.
    """
    path = home / SECRETS_FILE
    try:
        data = json.loads(path.read_text())
        if all(data.get(k) for k in ("jwt_secret", "secret_key", "fernet_key")):
            return data
    except (OSError, ValueError):
        pass
    data = {"jwt_secret": secrets.token_urlsafe(48), "secret_key": secrets.token_urlsafe(32),
            "fernet_key": urlsafe_b64encode(secrets.token_bytes(32)).decode()}
    _write_private(path, json.dumps(data, indent=2) + "\n")
    return data


def admin_password(home: Path, password: str | None = None) -> str:
    """The admin's password in SimpleAuthManager's passwords file (created once; ``password`` replaces it)."""
    path = home / PASSWORDS_FILE
    try:
        passwords = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        passwords = {}
    if password and passwords.get(ADMIN_USER) != password:
        passwords[ADMIN_USER] = password
    elif not passwords.get(ADMIN_USER):
        passwords[ADMIN_USER] = secrets.token_urlsafe(12)
    else:
        return passwords[ADMIN_USER]
    _write_private(path, json.dumps(passwords) + "\n")
    return passwords[ADMIN_USER]


# -- the environment --------------------------------------------------------------------------------

def airflow_env(settings: Settings, *, home: Path | None = None, port: int = DEFAULT_PORT,
                host: str = DEFAULT_HOST, metadata: str | None = None,
                base_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables local Airflow runs with (merge them over ``os.environ`` to run ``airflow ...``).

    ``metadata`` is the metadata database's SQLAlchemy URL (default: database ``airflow`` on the
    embedded server, which must be running). Tunables already set in ``base_env`` (default
    ``os.environ``) win: ``AIRFLOW__CORE__PARALLELISM``. The embedding model and dimension are
    those of ``settings``, so the tasks embed exactly as ``partner_sync migrate`` sized the warehouse.
    """
    base_env = os.environ if base_env is None else base_env
    home = Path(home or airflow_home(settings)).resolve()
    keys = _secrets(home)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata or metadata_url(settings),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": base_env.get("AIRFLOW__CORE__PARALLELISM") or "8",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.project_dir / "dags"),
        # the project's plugins/: partner_sync_plugin.py (UI pages + service API); .airflowignore skips the engine
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(settings.project_dir / "plugins"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__FERNET_KEY": keys["fernet_key"],
        "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / PASSWORDS_FILE),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": keys["secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__LOGGING__DAG_PROCESSOR_CHILD_PROCESS_LOG_DIRECTORY": str(home / "logs" / "dag_processor"),
        "PARTNER_SYNC_PROJECT_DIR": str(settings.project_dir),
        "PARTNER_SYNC_HOME": str(settings.home),
        "PARTNER_SYNC_EMBEDDING_MODEL": settings.embedding_model,
        "PARTNER_SYNC_EMBEDDING_DIM": str(settings.embedding_dim),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), base_env.get("PATH", os.defpath)]),
    }
    if settings.embedded_port:
        env["PARTNER_SYNC_PG_PORT"] = str(settings.embedded_port)
    dev = _with_embedded(settings)
    for conn_id in dict.fromkeys([*EMBEDDED_DATABASES, *settings.connections]):  # embedded + configured
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = connection_uri(dev.conn(conn_id))
    return env


def _run_airflow(args: list[str], env: Mapping[str, str], what: str, timeout: float = 600) -> str:
    started = time.monotonic()
    result = subprocess.run([_bin("airflow"), *args], env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        from partner_sync.database import mask_dsn

        raise LocalAirflowError(f"{what} failed (exit {result.returncode}):\n"
                                f"{mask_dsn(result.stdout[-3000:])}\n{mask_dsn(result.stderr[-3000:])}")
    log.debug("%s done in %.1fs", what, time.monotonic() - started)
    return result.stdout


@dataclass
class Prepared:
    """What ``prepare`` set up: the environment to run Airflow with and a few facts to print."""

    env: dict[str, str]
    home: Path
    port: int
    password: str
    pools: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def prepare(settings: Settings, *, home: Path | None = None, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST,
            metadata_db: str = METADATA_DB, password: str | None = None,
            say: Callable[[str], None] = lambda line: log.info("%s", line)) -> Prepared:
    """Everything Airflow needs before its processes start; idempotent.

    ``airflow db migrate`` and the pools are skipped when ``home`` records that this Airflow release was
    migrated into this very database with these pool sizes (``partner_sync_prepared.json``); delete
    that file to force them.

    Embedded server up; databases ``airflow`` (and ``partner_sync`` when the warehouse is not configured)
    created; warehouse migrated; ``airflow db migrate``; pools imported; secrets and the admin password
    written under ``home``. The metadata database is always on the embedded server (``metadata_db``).
    """
    from partner_sync.database import connect, ensure_database
    from partner_sync.migrations import migrate, migration_params

    seconds: dict[str, float] = {}
    notes: list[str] = []
    home = Path(home or airflow_home(settings)).resolve()
    (home / "logs").mkdir(parents=True, exist_ok=True)
    (home / "plugins").mkdir(parents=True, exist_ok=True)

    t = time.monotonic()
    admin = _server(settings).up()
    ensure_database(admin, metadata_db)
    if "warehouse_db" not in settings.connections:
        ensure_database(admin, EMBEDDED_DATABASES["warehouse_db"])
    seconds["db_up"] = round(time.monotonic() - t, 2)
    say(f"embedded PostgreSQL: {admin.rsplit('/', 1)[0]}/ (metadata database {metadata_db})")

    t = time.monotonic()
    warehouse = _with_embedded(settings).conn("warehouse_db")
    done = migrate(warehouse, settings.sql_dir, migration_params(settings))
    seconds["warehouse_migrate"] = round(time.monotonic() - t, 2)
    say(f"warehouse {warehouse.masked}: " + (f"applied {', '.join(done)}" if done else "up to date"))

    for conn_id in ("odoo_db", "apn_db"):  # a hint, not an error: Airflow starts without the sources
        if conn_id not in settings.connections:
            with connect(admin, autocommit=True) as c:
                if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                 (EMBEDDED_DATABASES[conn_id],)).fetchone():
                    notes.append(f"{conn_id}: database {EMBEDDED_DATABASES[conn_id]} does not exist yet "
                                 "(run `partner_sync seed-demo` before triggering the DAGs)")

    env = airflow_env(settings, home=home, port=port, host=host,
                      metadata=metadata_url(settings, metadata_db))
    pools = pool_sizes(settings)
    marker_file = home / PREPARED_FILE
    marker = _prepared_marker(admin, metadata_db, pools)
    if marker_file.exists() and marker_file.read_text() == marker:
        say(f"metadata database {metadata_db} already migrated for this Airflow release, pools unchanged: "
            f"{', '.join(f'{name}={slots}' for name, slots in pools.items())}")
    else:
        marker_file.unlink(missing_ok=True)
        t = time.monotonic()
        _run_airflow(["db", "migrate"], env, "airflow db migrate")
        seconds["airflow_db_migrate"] = round(time.monotonic() - t, 2)
        say(f"airflow db migrate: metadata database {metadata_db} ready ({seconds['airflow_db_migrate']:.1f}s)")
        if pools:
            t = time.monotonic()
            import_pools(env, home, pools)
            seconds["pools"] = round(time.monotonic() - t, 2)
            say("pools: " + ", ".join(f"{name}={slots}" for name, slots in pools.items()))
        marker_file.write_text(marker)

    pw = admin_password(home, password or os.environ.get("PARTNER_SYNC_AIRFLOW_PASSWORD"))
    return Prepared(env=env, home=home, port=port, password=pw, pools=pools, seconds=seconds, notes=notes)


def import_pools(env: Mapping[str, str], home: Path, pools: Mapping[str, int]) -> None:
    """``airflow pools import`` of the sources' pools (``pool_sizes``) into the metadata database ``env`` names."""
    pool_file = home / "pools.json"
    pool_file.write_text(json.dumps({name: {"slots": slots, "description": "partner_sync: concurrent reads "
                                            f"of the {name.removesuffix('_source')} source database",
                                            "include_deferred": False}
                                     for name, slots in pools.items()}, indent=2) + "\n")
    _run_airflow(["pools", "import", str(pool_file)], env, "airflow pools import")


def airflow_fingerprint() -> str:
    """The installed apache-airflow* distributions and versions (they decide the metadata schema)."""
    import hashlib
    import importlib.metadata

    found = sorted({f"{d.metadata['Name'].lower()}=={d.version}" for d in importlib.metadata.distributions()
                    if (d.metadata["Name"] or "").lower().startswith("apache-airflow")})
    return hashlib.sha256("\n".join(found).encode()).hexdigest()[:16]


def _prepared_marker(admin_url: str, metadata_db: str, pools: Mapping[str, int]) -> str:
    """What ``prepare`` last did: this Airflow release, migrated into this very database, with these pools.

    The database is identified by the server's system identifier and the database's oid, so a re-created
    server or database never passes for a migrated one.
    """
    from partner_sync.database import connect

    with connect(admin_url, autocommit=True) as c:
        sysid = c.execute("SELECT system_identifier FROM pg_control_system()").fetchone()[0]
        row = c.execute("SELECT oid FROM pg_database WHERE datname = %s", (metadata_db,)).fetchone()
    return json.dumps({"airflow": airflow_fingerprint(), "database": f"{sysid}/{row[0] if row else None}",
                       "pools": dict(sorted(pools.items()))}, sort_keys=True) + "\n"


# -- processes --------------------------------------------------------------------------------------

def _run_dir(home: Path) -> Path:
    return home / "run"


def _pid_file(home: Path, component: str) -> Path:
    return _run_dir(home) / f"{component}.pid"


def _log_file(home: Path, component: str) -> Path:
    return home / "logs" / f"{component}.log"


def process_alive(pid: int) -> bool:
    """True for a running process (not a zombie), also one owned by another user."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited child not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _is_ours(pid: int) -> bool:
    """The pid still runs an ``airflow`` command (pid files can outlive a reboot; pids get reused)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"airflow" in fh.read()
    except OSError:
        return process_alive(pid)


def running_pids(home: Path) -> dict[str, int]:
    """``{component: pid}`` of the components of ``home`` that are running."""
    found = {}
    for component in COMPONENTS:
        try:
            pid = int(_pid_file(home, component).read_text().strip())
        except (OSError, ValueError):
            continue
        if process_alive(pid) and _is_ours(pid):
            found[component] = pid
    return found


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host if host != "0.0.0.0" else "", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - chars))
            text = fh.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    from partner_sync.database import mask_dsn

    return mask_dsn(text)


def logs_tail(home: Path, components: Iterable[str] = COMPONENTS, chars: int = 3000) -> str:
    """The end of each component's log, for error messages."""
    return "\n".join(f"----- {c}: {_log_file(home, c)} -----\n{_tail(_log_file(home, c), chars)}" for c in components)


class ApiClient:
    """The few REST API v2 calls local Airflow needs, authenticated as the SimpleAuthManager admin."""

    def __init__(self, base_url: str, username: str = ADMIN_USER, password: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.username, self.password = username, password
        self._token: str | None = None

    def _request(self, method: str, path: str, body: dict | None = None, auth: bool = True,
                 timeout: float = 30) -> dict:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        req = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:1000]
            raise LocalAirflowError(f"{method} {path}: HTTP {exc.code} {detail}") from None
        return json.loads(raw) if raw else {}

    def token(self) -> str:
        """A JWT from ``POST /auth/token`` (SimpleAuthManager: username + password)."""
        if self._token is None:
            data = self._request("POST", "/auth/token", {"username": self.username, "password": self.password},
                                 auth=False)
            self._token = data["access_token"]
        return self._token

    def health(self) -> dict:
        return self._request("GET", "/api/v2/monitor/health", auth=False, timeout=5)

    def get(self, path: str) -> dict:
        return self._request("GET", path)

    def post(self, path: str, body: dict) -> dict:
        return self._request("POST", path, body)

    def patch(self, path: str, body: dict) -> dict:
        return self._request("PATCH", path, body)

    def dag_ids(self) -> set[str]:
        return {d["dag_id"] for d in self.get("/api/v2/dags?limit=1000")["dags"]}

    def import_errors(self) -> list[dict]:
        return self.get("/api/v2/importErrors?limit=100").get("import_errors", [])

    def unpause(self, dag_id: str) -> None:
        self.patch(f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, run_id: str | None = None, conf: dict | None = None) -> dict:
        body: dict = {"logical_date": None, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        return self.post(f"/api/v2/dags/{dag_id}/dagRuns", body)

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances?limit=1000"
                        )["task_instances"]


@dataclass
class Running:
    """A started local Airflow."""

    home: Path
    url: str
    pids: dict[str, int]
    password: str
    username: str = ADMIN_USER
    seconds: dict[str, float] = field(default_factory=dict)
    import_errors: list[dict] = field(default_factory=list)

    def client(self) -> ApiClient:
        return ApiClient(self.url, self.username, self.password)


def start(prepared: Prepared, *, wait_for_dags: Iterable[str] = (), timeout: float = 300,
          say: Callable[[str], None] = lambda line: log.info("%s", line)) -> Running:
    """Start the four components detached (own sessions, so they outlive this process) and wait until

    the API answers, every component is healthy and ``wait_for_dags`` are listed. On any failure the
    components started here are stopped again and the error carries the end of their logs.
    """
    home, port, env = prepared.home, prepared.port, prepared.env
    url = f"http://127.0.0.1:{port}"
    already = running_pids(home)
    if already:
        raise LocalAirflowError(f"local Airflow of {home} is already running ({', '.join(sorted(already))}); "
                                "stop it first (partner_sync airflow down)")
    host = env.get("AIRFLOW__API__HOST", DEFAULT_HOST)
    if not _port_free(host, port):
        raise LocalAirflowError(f"port {port} is in use; pick another one (--port)")
    _run_dir(home).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    pids: dict[str, int] = {}
    full_env = {**os.environ, **env}
    try:
        for component in COMPONENTS:
            logfile = _log_file(home, component)
            with open(logfile, "ab") as out:
                out.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} airflow {component} =====\n".encode())
                out.flush()
                proc = subprocess.Popen([_bin("airflow"), component], env=full_env, stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                        cwd=str(home))
            pids[component] = proc.pid
            _pid_file(home, component).write_text(f"{proc.pid}\n")
        (home / STATE_FILE).write_text(json.dumps({"url": url, "port": port, "pids": pids,
                                                   "started": time.time()}, indent=2) + "\n")
        say(f"started {', '.join(f'{c} (pid {p})' for c, p in pids.items())}; logs in {home / 'logs'}")
        running = Running(home=home, url=url, pids=pids, password=prepared.password)
        _wait_ready(running, list(wait_for_dags), started + timeout, say)
    except BaseException:
        stop(home)
        raise
    running.seconds["startup"] = round(time.monotonic() - started, 1)
    return running


class DagImportErrors(LocalAirflowError):
    """The DAG folder does not parse: start-up cannot succeed."""


def _wait_ready(running: Running, dag_ids: list[str], deadline: float, say: Callable[[str], None]) -> None:
    client = running.client()
    said: set[str] = set()

    def once(line: str) -> None:
        if line not in said:
            said.add(line)
            say(line)

    while True:
        dead = [c for c, pid in running.pids.items() if not process_alive(pid)]
        if dead:
            raise LocalAirflowError(f"airflow {', '.join(dead)} exited during start-up:\n"
                                    f"{logs_tail(running.home, dead)}")
        try:
            health = client.health()
            unhealthy = [k for k, v in health.items() if (v or {}).get("status") != "healthy"]
            if unhealthy:
                waiting = f"waiting for {', '.join(unhealthy)}"
            else:
                once("healthy: api-server, " + ", ".join(health))
                listed = client.dag_ids()
                missing = [d for d in dag_ids if d not in listed]
                errors = client.import_errors()
                if errors and missing:
                    raise DagImportErrors("the DAG folder has import errors:\n" + "\n".join(
                        f"{e.get('filename')}: {(e.get('stack_trace') or '')[-1500:]}" for e in errors))
                if not missing:
                    running.import_errors = errors
                    return
                waiting = f"waiting for the dag-processor to parse {', '.join(missing)}"
        except DagImportErrors:
            raise
        except (OSError, LocalAirflowError) as exc:  # URLError, refused, timeouts; HTTP errors while starting
            waiting = f"api-server not answering yet ({exc})"
        once(waiting)
        if time.monotonic() > deadline:
            raise LocalAirflowError(f"local Airflow not ready in time: {waiting}\n{logs_tail(running.home)}")
        time.sleep(1)


def stop(home: Path, *, grace: float = 30, say: Callable[[str], None] = lambda line: log.info("%s", line)) -> list[str]:
    """Stop every component of ``home`` and whatever it started; return the components that were running.

    Each component runs in its own process group; task processes run in groups of their own, so the
    descendants are collected first and their groups signalled too. SIGTERM, then SIGKILL after ``grace``.
    """
    home = Path(home)
    pids = running_pids(home)
    groups = set(pids.values())
    groups.update(_descendant_groups(pids.values()))
    if groups:
        say(f"stopping {', '.join(f'{c} (pid {p})' for c, p in pids.items()) or 'leftover task processes'}")
    _signal_groups(groups, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_group_alive(g) for g in groups):
        time.sleep(0.25)
    left = [g for g in groups if _group_alive(g)]
    if left:
        say(f"still running after {grace:.0f}s, killing process groups {left}")
        _signal_groups(left, signal.SIGKILL)
    for component in COMPONENTS:
        _pid_file(home, component).unlink(missing_ok=True)
    (home / STATE_FILE).unlink(missing_ok=True)
    return sorted(pids)


def _descendant_groups(roots: Iterable[int]) -> set[int]:
    """Process groups of every descendant of ``roots`` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    pgid: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        pgid[pid] = int(fields[2])
    found: set[int] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(pgid.get(child, child))
            stack.append(child)
    return found


def _signal_groups(groups: Iterable[int], sig: int) -> None:
    for group in groups:
        try:
            os.killpg(group, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # only zombies left (children of a live parent that has not reaped them yet) count as gone
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


# -- one DAG run in-process ------------------------------------------------------------------------

def run_dag_test(prepared: Prepared, dag_id: str, *, conf: dict | None = None, timeout: float | None = None,
                 log_file: Path | None = None) -> int:
    """``airflow dags test DAG_ID`` (a real run, in one process, metadata in PostgreSQL); its exit status.

    Output goes straight to this process's stdout/stderr, or to ``log_file`` (replaced). ``timeout``
    (seconds) ends a run that hangs, e.g. one waiting out task retries, with exit status 124.
    """
    cmd = [_bin("airflow"), "dags", "test", dag_id]
    if conf:
        cmd += ["--conf", json.dumps(conf)]
    out = open(log_file, "wb") if log_file else None
    try:
        return _wait_dag_test(subprocess.Popen(cmd, env={**os.environ, **prepared.env}, stdin=subprocess.DEVNULL,
                                               stdout=out, stderr=subprocess.STDOUT if out else None,
                                               start_new_session=True), dag_id, timeout)
    finally:
        if out:
            out.close()


def _wait_dag_test(proc: subprocess.Popen, dag_id: str, timeout: float | None) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log.error("airflow dags test %s still running after %ss; stopping it", dag_id, timeout)
        _signal_groups({proc.pid, *_descendant_groups([proc.pid])}, signal.SIGKILL)
        proc.wait()
        return 124
    except BaseException:
        _signal_groups({proc.pid, *_descendant_groups([proc.pid])}, signal.SIGTERM)
        proc.wait()
        raise


def shell_exports(env: Mapping[str, str]) -> str:
    """``export KEY=value`` lines (shell-quoted) for ``eval "$(partner_sync airflow env)"``."""
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in sorted(env.items()))
