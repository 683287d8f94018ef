"""docker-compose.yaml, Dockerfile and .env.example, checked without Docker and without the network.

The Compose Specification JSON schema is the copy check-jsonschema vendors
(``check_jsonschema/builtin_schemas/vendor/compose-spec.json``, from github.com/compose-spec/compose-spec,
pinned by the check-jsonschema version in requirements.txt). On top of the schema: the stack is the one the
project needs (official Airflow 3 layout, one image, the same connections everywhere, a GPU queue, BGE-M3,
pgvector, the pools the source definitions name) and every variable it interpolates has a value.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
    "airflow-worker-gpu": "celery worker",
}
CONNECTION_VARS = ("AIRFLOW_CONN_WAREHOUSE_DB", "AIRFLOW_CONN_ODOO_DB", "AIRFLOW_CONN_APN_DB")
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR; $$ is a literal dollar
_INTERPOLATION = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
                            r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


@pytest.fixture(scope="module")
def compose_text() -> str:
    return (ROOT / "docker-compose.yaml").read_text()


@pytest.fixture(scope="module")
def compose(compose_text) -> dict:
    return yaml.safe_load(compose_text)  # anchors and << merge keys resolved, as compose does


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f".env.example: not KEY=value: {line!r}"
            values[key.strip()] = value.strip()
    return values


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _command(service: dict) -> str:
    cmd = service.get("command") or ""
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def _interpolate(value: str, env: dict[str, str]) -> str:
    """What compose makes of a value, given the variables in ``env`` (.env.example)."""
    def sub(m: re.Match) -> str:
        name = m.group("braced") or m.group("plain")
        op, arg = m.group("op") or "", m.group("arg") or ""
        have = env.get(name)
        if op in (":-",):
            return have if have else arg
        if op == "-":
            return have if have is not None else arg
        return have or ""
    return _INTERPOLATION.sub(sub, value.replace("$$", "\0")).replace("\0", "$")


def test_compose_file_matches_the_compose_specification(compose):
    schema_file = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    assert schema.get("title") == "Compose Specification"
    Draft202012Validator.check_schema(schema)
    errors = sorted(Draft202012Validator(schema).iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors)


def test_every_airflow_service_runs_the_project_image(compose):
    services = compose["services"]
    assert set(AIRFLOW_SERVICES) | {"airflow-init", "postgres", "redis", "warehouse", "tei"} <= set(services)
    image = services["airflow-apiserver"]["image"]
    assert image.startswith("${PARTNER_SYNC_IMAGE:-")
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        svc = services[name]
        build = svc.get("build")
        context = build.get("context") if isinstance(build, dict) else build
        assert context in (".", "./"), f"{name} is not built from the project's Dockerfile"
        assert svc.get("image") == image, f"{name} uses {svc.get('image')!r}, not {image!r}"
    for name, command in AIRFLOW_SERVICES.items():
        assert _command(services[name]).startswith(command), f"{name}: {_command(services[name])!r}"
    for name in AIRFLOW_SERVICES:  # the long-running ones wait for the init job and report their health
        svc = services[name]
        assert svc["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
        assert svc.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert svc.get("restart") == "always", name


def test_one_airflow_configuration_everywhere(compose, env_example):
    services = compose["services"]
    envs = {name: _env(services[name]) for name in [*AIRFLOW_SERVICES, "airflow-init"]}
    reference = envs["airflow-apiserver"]
    shared = [*CONNECTION_VARS, "AIRFLOW__CORE__EXECUTOR", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
              "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CELERY__RESULT_BACKEND", "AIRFLOW__API_AUTH__JWT_SECRET",
              "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__CORE__AUTH_MANAGER",
              "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "PARTNER_SYNC_EMBEDDING_MODEL",
              "PARTNER_SYNC_EMBEDDING_DIM", "PARTNER_SYNC_EMBED_EXECUTION", "PARTNER_SYNC_EMBED_QUEUE"]
    for name, env in envs.items():
        for key in shared:
            assert key in env, f"{name} lacks {key}"
            assert env[key] == reference[key], f"{name}: {key}={env[key]!r} differs from the api-server's"
    assert reference["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"

    # metadata DB, broker and warehouse point at the services that provide them, with their credentials
    def resolved(key: str) -> str:
        return _interpolate(reference[key], env_example)

    meta = urlsplit(resolved("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"))
    pg = _env(services["postgres"])
    assert meta.scheme.startswith("postgresql") and meta.hostname == "postgres"
    assert (meta.username, meta.password, meta.path.lstrip("/")) == (
        _interpolate(pg["POSTGRES_USER"], env_example), _interpolate(pg["POSTGRES_PASSWORD"], env_example),
        pg["POSTGRES_DB"])
    assert urlsplit(resolved("AIRFLOW__CELERY__BROKER_URL")).hostname == "redis"
    wh_url = urlsplit(resolved("AIRFLOW_CONN_WAREHOUSE_DB"))
    wh = _env(services["warehouse"])
    assert (wh_url.hostname, wh_url.port) == ("warehouse", 5432)
    assert (wh_url.username, wh_url.password, wh_url.path.lstrip("/")) == (
        wh["POSTGRES_USER"], _interpolate(wh["POSTGRES_PASSWORD"], env_example), wh["POSTGRES_DB"])
    # tasks reach the execution API on the api-server service, on the port it serves
    api = urlsplit(reference["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert api.hostname == "airflow-apiserver" and api.path == "/execution/"
    assert any(str(p).endswith(f":{api.port}") for p in services["airflow-apiserver"]["ports"])
    # the engine parses every connection the stack hands it
    from partner_sync.config import parse_connection

    for key in CONNECTION_VARS:
        spec = parse_connection(key.removeprefix("AIRFLOW_CONN_").lower(), resolved(key))
        assert spec.host and spec.dbname, key


def test_gpu_worker_tei_and_warehouse(compose):
    services = compose["services"]
    queues = {}
    for name in AIRFLOW_SERVICES:
        argv = shlex.split(_command(services[name]))
        if argv[:2] == ["celery", "worker"]:
            queues[name] = set(argv[argv.index("--queues") + 1].split(",")) if "--queues" in argv else {"default"}
    assert any("default" in q for q in queues.values()), "no worker serves the default queue"
    gpu_workers = [name for name, q in queues.items() if "gpu" in q]
    assert gpu_workers, f"no worker listens on queue gpu: {queues}"
    common = _env(services["airflow-worker"])
    assert common.get("PARTNER_SYNC_EMBED_QUEUE", "gpu") == "gpu"  # the engine's default queue for embed
    assert common.get("PARTNER_SYNC_EMBED_EXECUTION", "").endswith("celery_gpu}"), \
        "the embed tasks are not routed to the gpu queue by default (PARTNER_SYNC_EMBED_EXECUTION)"
    for name in gpu_workers:
        devices = services[name]["deploy"]["resources"]["reservations"]["devices"]
        assert any(d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", []) for d in devices), name

    tei = services["tei"]
    assert tei["image"].startswith("ghcr.io/huggingface/text-embeddings-inference:")
    argv = tei["command"] if isinstance(tei["command"], list) else shlex.split(tei["command"])
    assert argv[argv.index("--model-id") + 1] == "BAAI/bge-m3"
    assert "tei" in tei.get("profiles", [])

    assert services["warehouse"]["image"].startswith("pgvector/pgvector:")


def test_init_prepares_what_the_dags_need(compose):
    from partner_sync.source_defs import load_sources

    init = compose["services"]["airflow-init"]
    script = _command(init)
    env = _env(init)
    assert env.get("_AIRFLOW_DB_MIGRATE") == "true" or "airflow db migrate" in script
    assert "partner_sync migrate" in script
    pools = {s.pool for s in load_sources(ROOT / "include").values() if s.pool}
    assert pools == {"odoo_source", "apn_source"}
    for pool in pools:
        source = pool.removesuffix("_source").upper()
        assert re.search(rf"airflow pools set {pool} \"\$\{{PARTNER_SYNC_{source}_POOL_SIZE:-\d+\}}\"", script), \
            f"airflow-init does not create pool {pool} sized by PARTNER_SYNC_{source}_POOL_SIZE"


def test_every_interpolated_variable_has_a_value(compose_text, env_example):
    text = "\n".join(line for line in compose_text.splitlines() if not line.lstrip().startswith("#"))
    missing = []
    for m in _INTERPOLATION.finditer(text.replace("$$", "")):
        name, op = m.group("braced") or m.group("plain"), m.group("op") or ""
        if op in (":-", "-"):
            continue  # has a default
        if not env_example.get(name):
            missing.append(name)
    assert not missing, f"variables with neither a default nor a value in .env.example: {sorted(set(missing))}"


def test_dockerfile_is_the_pinned_airflow_image():
    dockerfile = (ROOT / "Dockerfile").read_text()
    froms = re.findall(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert froms and re.fullmatch(r"apache/airflow:3\.3\.2(-python3\.\d+)?", froms[0]), froms
    pinned = re.search(r"^apache-airflow==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned and froms[0].split(":")[1].startswith(pinned.group(1))
    assert "python3.11" in froms[0]  # the Python the project is built and tested with
    assert re.search(r"pip install .*\"apache-airflow==\$\{AIRFLOW_VERSION\}\"", dockerfile)
