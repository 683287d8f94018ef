"""Settings and connections, read once from the environment (and ``.env``).

Connections use Airflow's ids (``warehouse_db``, ``odoo_db``, ``apn_db``); outside Airflow the same
``AIRFLOW_CONN_<ID>`` variables are read, as URIs or Airflow's JSON form (``partner_sync.connection_forms``).
A connection nobody configured is a configuration error naming its id, unless the caller supplies a
fallback (``Settings.connection_fallback``): the CLI supplies the embedded dev server, so ``make demo``
needs no configuration at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

from partner_sync.connection_forms import ConnFields, ConnSpec, parse_connection, parse_odoo_connection

__all__ = ["WAREHOUSE_CONNECTION", "ConfigError", "ConnSpec", "Settings", "get_config", "load_settings",
           "parse_connection"]

WAREHOUSE_CONNECTION = "warehouse_db"


class ConfigError(ValueError):
    """Every configuration problem found, reported at once."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Settings:
    """Everything partner_sync reads from its environment, validated."""

    project_dir: Path
    home: Path
    connections: Mapping[str, ConnSpec]
    embedding_model: str
    embedding_dim: int
    embedding_batch_size: int
    hnsw_m: int
    hnsw_ef_construction: int
    pool_min: int
    pool_max: int
    retry_attempts: int
    retry_base_delay: float
    embedded_port: int | None
    cursor_overlap_minutes: int = 5
    lock_wait_seconds: int = 60
    # Airflow retries of a task that failed transiently (source/warehouse unreachable, throttled): one delay
    # (seconds) per retry, PARTNER_SYNC_TASK_RETRY_DELAYS; other failures are never retried.
    task_retry_delays: tuple[float, ...] = (300.0, 600.0, 1200.0)
    schema_artifacts_dir: Path | None = None
    language: str = "en_US"
    ops_retention_days: int = 90
    alert_emails: tuple[str, ...] = ()
    alert_from: str | None = None  # else the SMTP connection's from_email, else partner_sync@localhost
    smtp_conn_id: str = "smtp_default"
    alert_on_first_failure: bool = False
    # API extract modes (docs/api_sources.md): per-source mode overrides (PARTNER_SYNC_<SOURCE>_MODE), the
    # Partner Central catalog and request budget, the Odoo RPC page size, and the API connections' raw values
    # (AIRFLOW_CONN_ODOO_API, AIRFLOW_CONN_AWS_PARTNER_CENTRAL) -- secrets, never in repr or logs.
    # source name -> {option: value} from the variables its YAML names under ``overrides:``
    source_overrides: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    api_connections: Mapping[str, str | ConnFields] = field(default_factory=dict, repr=False)
    # Embeddings, search and matching (partner_sync.embed, .search, .match)
    embedding_backend: str = "sentence-transformers"  # or "http" (TEI /embed, OpenAI /v1/embeddings)
    embedding_device: str = "auto"  # auto: CUDA (fp16) when present, else CPU
    embedding_url: str | None = None
    embedding_api: str = "auto"  # tei | openai | auto (from the URL path)
    embedding_api_key: str | None = field(default=None, repr=False)
    embedding_timeout: float = 120.0
    hnsw_ef_search: int = 100
    match_top_k: int = 5
    match_candidates: int = 20
    match_workers: int = 2  # connections the match's candidate scans run on at once
    # which of the model's auto-link thresholds decides 'linked': unseen (for data from a partner the model was not
    # fitted on, measured leave-one-source-out) or seen (measured on held-out folds of its own training sources)
    auto_link_policy: str = "unseen"
    embed_execution: str = "inprocess"  # inprocess | celery_gpu | kubernetes
    embed_queue: str = "gpu"
    embed_image: str = "partner-sync:latest"
    embed_namespace: str = "airflow"
    embed_gpus: int = 1
    # How a connection id nobody configured resolves: None in production (a ConfigError naming the id); the CLI
    # supplies the embedded dev server's databases (partner_sync.dev.embedded.with_embedded_fallback), which
    # returns None for an id it has no database for.
    connection_fallback: Callable[[str], ConnSpec | None] | None = field(default=None, repr=False, compare=False)
    # The warehouse and every connection a source YAML names (empty: not checked)
    connection_ids: tuple[str, ...] = ()
    # A job still running this long after its (last) start lost its process: the sweeper marks it abandoned
    # (at every job start and in maintenance). PARTNER_SYNC_JOB_TIMEOUT, e.g. 12h (default), 90m, 30s.
    job_timeout_seconds: float = 12 * 3600.0

    @property
    def include_dir(self) -> Path:
        return self.project_dir / "include"

    @property
    def sql_dir(self) -> Path:
        return self.project_dir / "sql"

    @property
    def uses_embedded(self) -> bool:
        return not self.connections

    def source_options(self, source: str) -> dict:
        """Configuration overrides for one source's definition (``SourceDef.with_overrides``)."""
        return dict(self.source_overrides.get(source) or {})

    def conn(self, conn_id: str) -> ConnSpec:
        """The configured connection, else the caller's fallback (the CLI's embedded server), else a
        ConfigError naming the connection id."""
        if conn_id in self.connections:
            return self.connections[conn_id]
        if self.connection_ids and conn_id not in self.connection_ids:
            raise ConfigError([f"unknown connection id {conn_id!r} (set AIRFLOW_CONN_{conn_id.upper()}); "
                               f"known: {', '.join(self.connection_ids)}"])
        found = self.connection_fallback(conn_id) if self.connection_fallback is not None else None
        if found is not None:
            return found
        raise ConfigError([f"connection {conn_id!r} is not configured: define the Airflow connection {conn_id} "
                           f"(UI, CLI or secrets backend) or set AIRFLOW_CONN_{conn_id.upper()}"])


def _default_project_dir() -> Path:
    here = Path(__file__).resolve().parents[2]
    return here if (here / "include").is_dir() else Path.cwd()


DOTENV_OFF = ("none", "off", "false", "0")


def dotenv_files(env: Mapping[str, str]) -> list[Path]:
    """The ``.env`` files read, first wins: ``PARTNER_SYNC_DOTENV`` (a file, or ``none``: read none -- the
    tests set that), else ``.env`` in the working directory, then the one beside the README (project dir)."""
    chosen = (env.get("PARTNER_SYNC_DOTENV") or "").strip()
    if chosen.lower() in DOTENV_OFF:
        return []
    if chosen:
        return [Path(chosen)]
    project = Path(env.get("PARTNER_SYNC_PROJECT_DIR") or _default_project_dir()).resolve()
    found = [p for p in (Path.cwd() / ".env", project / ".env") if p.is_file()]
    return list(dict.fromkeys(p.resolve() for p in found))


def _int(env: Mapping[str, str], key: str, default: int, problems: list[str], minimum: int = 0) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{key}={raw!r} is not an integer")
        return default
    if value < minimum:
        problems.append(f"{key}={value} must be >= {minimum}")
    return value


_UNITS = {"s": 1, "m": 60, "h": 3600}


def _durations(env: Mapping[str, str], key: str, default: str, problems: list[str]) -> tuple[float, ...]:
    """``5m,10m,20m`` (units s, m, h; a bare number is minutes) as seconds; ``none`` or ``0`` is empty."""
    raw = (env.get(key) or default).strip()
    if raw.lower() in ("none", "0", "off"):
        return ()
    out = []
    for part in (p.strip() for p in raw.split(",")):
        unit = part[-1:].lower() if part[-1:].isalpha() else "m"
        number = part[:-1] if part[-1:].isalpha() else part
        try:
            value = float(number) * _UNITS[unit]
            if value <= 0:
                raise ValueError
        except (KeyError, ValueError):
            problems.append(f"{key}={raw!r}: {part!r} is not a positive duration like 30s, 5m or 1h")
            return ()
        out.append(value)
    return tuple(out)


def _job_timeout(env: Mapping[str, str], problems: list[str]) -> float:
    """PARTNER_SYNC_JOB_TIMEOUT: one positive duration (30s, 90m, 12h; a bare number is minutes)."""
    before = len(problems)
    found = _durations(env, "PARTNER_SYNC_JOB_TIMEOUT", "12h", problems)
    if len(found) != 1:
        if len(problems) == before:
            problems.append(f"PARTNER_SYNC_JOB_TIMEOUT={env.get('PARTNER_SYNC_JOB_TIMEOUT')!r} must be one "
                            "positive duration like 12h or 90m")
        return 12 * 3600.0
    return found[0]


def _bool(env: Mapping[str, str], key: str, default: bool, problems: list[str]) -> bool:
    raw = (env.get(key) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    problems.append(f"{key}={raw!r} must be true or false")
    return default


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build Settings from ``env`` (default: os.environ plus ``.env``); raise ConfigError listing all problems."""
    if env is None:
        if dotenv:
            for path in dotenv_files(os.environ):
                from dotenv import load_dotenv

                load_dotenv(path, override=False)
        env = os.environ
    problems: list[str] = []
    project_dir = Path(env.get("PARTNER_SYNC_PROJECT_DIR") or _default_project_dir()).resolve()
    home = Path(env.get("PARTNER_SYNC_HOME") or project_dir / ".local").resolve()
    from partner_sync.source_defs import readable_sources

    sources = readable_sources(project_dir / "include")
    # the warehouse, then every connection a source YAML names (its connection_id)
    connection_ids = list(dict.fromkeys([WAREHOUSE_CONNECTION, *(s.connection_id for s in sources)]))
    connections: dict[str, ConnSpec] = {}
    for conn_id in connection_ids:
        raw = env.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if raw:
            try:
                connections[conn_id] = parse_connection(conn_id, raw)
            except (ValueError, TypeError) as exc:
                problems.append(f"AIRFLOW_CONN_{conn_id.upper()}: {exc}")
    configured = [c for c in connection_ids if env.get(f"AIRFLOW_CONN_{c.upper()}")]
    if configured and "warehouse_db" not in configured:
        problems.append("AIRFLOW_CONN_WAREHOUSE_DB is required once any connection is configured "
                        "(otherwise every database is on the embedded server)")
    dim = _int(env, "PARTNER_SYNC_EMBEDDING_DIM", 1024, problems, minimum=1)
    if dim > 16000:
        problems.append(f"PARTNER_SYNC_EMBEDDING_DIM={dim} exceeds pgvector's 16000 dimensions")
    pool_min = _int(env, "PARTNER_SYNC_POOL_MIN", 10, problems, minimum=1)
    pool_max = _int(env, "PARTNER_SYNC_POOL_MAX", 20, problems, minimum=1)
    if pool_min > pool_max:
        problems.append(f"PARTNER_SYNC_POOL_MIN={pool_min} is larger than PARTNER_SYNC_POOL_MAX={pool_max}")
    port = _int(env, "PARTNER_SYNC_PG_PORT", 0, problems, minimum=0) or None
    if port is not None and port > 65535:
        problems.append(f"PARTNER_SYNC_PG_PORT={port} is not a TCP port")
    try:
        base_delay = float(env.get("PARTNER_SYNC_RETRY_BASE_DELAY", "2"))
        if base_delay < 0:
            raise ValueError
    except ValueError:
        problems.append(f"PARTNER_SYNC_RETRY_BASE_DELAY={env.get('PARTNER_SYNC_RETRY_BASE_DELAY')!r} "
                        "must be a non-negative number of seconds")
        base_delay = 2.0
    settings = Settings(
        project_dir=project_dir,
        home=home,
        connections=connections,
        connection_ids=tuple(connection_ids),
        embedding_model=env.get("PARTNER_SYNC_EMBEDDING_MODEL") or "BAAI/bge-m3",
        embedding_dim=dim,
        embedding_batch_size=_int(env, "PARTNER_SYNC_EMBEDDING_BATCH_SIZE", 64, problems, minimum=1),
        hnsw_m=_int(env, "PARTNER_SYNC_HNSW_M", 16, problems, minimum=2),
        hnsw_ef_construction=_int(env, "PARTNER_SYNC_HNSW_EF_CONSTRUCTION", 64, problems, minimum=4),
        pool_min=pool_min,
        pool_max=pool_max,
        retry_attempts=_int(env, "PARTNER_SYNC_RETRY_ATTEMPTS", 3, problems, minimum=0),
        retry_base_delay=base_delay,
        embedded_port=port,
        cursor_overlap_minutes=_int(env, "PARTNER_SYNC_CURSOR_OVERLAP_MINUTES", 5, problems),
        lock_wait_seconds=_int(env, "PARTNER_SYNC_LOCK_WAIT_SECONDS", 60, problems),
        task_retry_delays=_durations(env, "PARTNER_SYNC_TASK_RETRY_DELAYS", "5m,10m,20m", problems),
        schema_artifacts_dir=Path(env.get("PARTNER_SYNC_SCHEMA_DIR") or project_dir / "data" / "schemas"),
        language=env.get("PARTNER_SYNC_LANGUAGE") or "en_US",
        ops_retention_days=_int(env, "PARTNER_SYNC_OPS_RETENTION_DAYS", 90, problems, minimum=1),
        alert_emails=tuple(a.strip() for a in (env.get("PARTNER_SYNC_ALERT_EMAILS") or "").split(",") if a.strip()),
        alert_from=env.get("PARTNER_SYNC_ALERT_FROM") or None,
        smtp_conn_id=env.get("PARTNER_SYNC_SMTP_CONN_ID") or "smtp_default",
        alert_on_first_failure=_bool(env, "PARTNER_SYNC_ALERT_ON_FIRST_FAILURE", False, problems),
        job_timeout_seconds=_job_timeout(env, problems),
        **_search_settings(env, problems),
        source_overrides=_source_overrides(env, sources, problems),
        **_api_settings(env, problems),
    )
    problems.extend(validate_config(settings))
    if problems:
        raise ConfigError(problems)
    return settings


EMBEDDING_BACKENDS = ("sentence-transformers", "http")
EMBEDDING_APIS = ("auto", "tei", "openai")
EMBED_EXECUTIONS = ("inprocess", "celery_gpu", "kubernetes")
AUTO_LINK_POLICIES = ("unseen", "seen")


def _choice(env: Mapping[str, str], key: str, default: str, choices: tuple[str, ...], problems: list[str]) -> str:
    value = (env.get(key) or default).strip().lower()
    if value not in choices:
        problems.append(f"{key}={value!r} must be one of {', '.join(choices)}")
        return default
    return value


MAX_MATCH_WORKERS = 64


def _search_settings(env: Mapping[str, str], problems: list[str]) -> dict:
    """Embedding, search and matching settings (PARTNER_SYNC_EMBEDDING_*, _HNSW_EF_SEARCH, _MATCH_*, _EMBED_*)."""
    backend = _choice(env, "PARTNER_SYNC_EMBEDDING_BACKEND", "sentence-transformers", EMBEDDING_BACKENDS, problems)
    url = (env.get("PARTNER_SYNC_EMBEDDING_URL") or "").strip() or None
    if backend == "http" and not url:
        problems.append("PARTNER_SYNC_EMBEDDING_BACKEND=http needs PARTNER_SYNC_EMBEDDING_URL "
                        "(e.g. http://tei:80 or http://host:8000/v1)")
    if url and not url.startswith(("http://", "https://")):
        problems.append(f"PARTNER_SYNC_EMBEDDING_URL={url!r} must start with http:// or https://")
    try:
        timeout = float(env.get("PARTNER_SYNC_EMBEDDING_TIMEOUT") or 120)
        if timeout <= 0:
            raise ValueError
    except ValueError:
        problems.append(f"PARTNER_SYNC_EMBEDDING_TIMEOUT={env.get('PARTNER_SYNC_EMBEDDING_TIMEOUT')!r} "
                        "must be a positive number of seconds")
        timeout = 120.0
    top_k = _int(env, "PARTNER_SYNC_MATCH_TOP_K", 5, problems, minimum=1)
    candidates = _int(env, "PARTNER_SYNC_MATCH_CANDIDATES", 20, problems, minimum=1)
    if candidates < top_k:
        problems.append(f"PARTNER_SYNC_MATCH_CANDIDATES={candidates} must be >= PARTNER_SYNC_MATCH_TOP_K={top_k}")
    workers = _int(env, "PARTNER_SYNC_MATCH_WORKERS", 2, problems, minimum=1)
    if workers > MAX_MATCH_WORKERS:
        problems.append(f"PARTNER_SYNC_MATCH_WORKERS={workers} must be <= {MAX_MATCH_WORKERS} (one PostgreSQL "
                        "connection and core each; more than the server's cores only queues)")
    return {
        "embedding_backend": backend,
        "embedding_device": (env.get("PARTNER_SYNC_EMBEDDING_DEVICE") or "auto").strip().lower(),
        "embedding_url": url,
        "embedding_api": _choice(env, "PARTNER_SYNC_EMBEDDING_API", "auto", EMBEDDING_APIS, problems),
        "embedding_api_key": env.get("PARTNER_SYNC_EMBEDDING_API_KEY") or None,
        "embedding_timeout": timeout,
        "hnsw_ef_search": _int(env, "PARTNER_SYNC_HNSW_EF_SEARCH", 100, problems, minimum=1),
        "match_top_k": top_k,
        "match_candidates": candidates,
        "match_workers": workers,
        "auto_link_policy": _choice(env, "PARTNER_SYNC_AUTO_LINK", "unseen", AUTO_LINK_POLICIES, problems),
        "embed_execution": _choice(env, "PARTNER_SYNC_EMBED_EXECUTION", "inprocess", EMBED_EXECUTIONS, problems),
        "embed_queue": (env.get("PARTNER_SYNC_EMBED_QUEUE") or "gpu").strip(),
        "embed_image": (env.get("PARTNER_SYNC_EMBED_IMAGE") or env.get("PARTNER_SYNC_IMAGE")
                        or "partner-sync:latest").strip(),
        "embed_namespace": (env.get("PARTNER_SYNC_EMBED_NAMESPACE") or "airflow").strip(),
        "embed_gpus": _int(env, "PARTNER_SYNC_EMBED_GPUS", 1, problems, minimum=0),
    }


API_CONNECTION_IDS = ("odoo_api", "aws_partner_central")


def _source_overrides(env: Mapping[str, str], sources: list, problems: list[str]) -> dict[str, dict[str, object]]:
    """Per-source options set from the environment: each source YAML's ``overrides:`` names the variables."""
    from partner_sync.source_defs import SourceDefinitionError, parse_override

    out: dict[str, dict[str, object]] = {}
    for source in sources:
        for option, variable in source.overrides:
            raw = (env.get(variable) or "").strip()
            if not raw:
                continue
            try:
                out.setdefault(source.name, {})[option] = parse_override(option, raw, variable)
            except SourceDefinitionError as exc:
                problems.append(str(exc))
    return out


def _api_settings(env: Mapping[str, str], problems: list[str]) -> dict:
    """API connections; a malformed value is a problem (its secret masked)."""
    api_connections = {}
    for conn_id in API_CONNECTION_IDS:
        raw = env.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if raw:
            api_connections[conn_id] = raw
    if "odoo_api" in api_connections:
        try:
            parse_odoo_connection(api_connections["odoo_api"])
        except ValueError as exc:
            problems.append(f"AIRFLOW_CONN_ODOO_API: {exc}")
    return {"api_connections": api_connections}


def validate_config(settings: Settings) -> list[str]:
    """Problems that need the whole Settings to see (paths, missing pieces); empty when all is well."""
    problems = []
    if not (settings.sql_dir).is_dir():
        problems.append(f"migrations folder not found: {settings.sql_dir} (set PARTNER_SYNC_PROJECT_DIR)")
    if not (settings.include_dir / "sources").is_dir():
        problems.append(f"source definitions not found: {settings.include_dir / 'sources'}")
    for conn in settings.connections.values():
        if not conn.dbname:
            problems.append(f"{conn.conn_id}: no database name in the connection")
    return problems


@lru_cache(maxsize=1)
def get_config() -> Settings:
    """The process-wide Settings, read once; ``get_config.cache_clear()`` re-reads."""
    return load_settings()
