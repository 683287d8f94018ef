"""Local Airflow in the production shape: CeleryExecutor, a Redis broker and two Celery workers.

The same topology as docker-compose.yaml, without Docker: ``redis-server`` from the distribution's package
(``apt-get install redis-server``), the four Airflow components of ``local`` with ``CeleryExecutor``, a
worker on the ``default`` queue and a worker on the GPU queue only (``PARTNER_SYNC_EMBED_QUEUE``, ``gpu``;
where ``PARTNER_SYNC_EMBED_EXECUTION=celery_gpu`` sends the embed task). On a machine without a GPU the
gpu worker embeds on the CPU: the point is the routing.

    start_celery(prepared)  redis, the four components, both workers (own process groups, pid files, logs)
    stop_celery(home)       workers (warm shutdown), then the components (``local.stop``), then redis

Each worker is named ``<queue>@<host>`` (celery ``--celery-hostname``) and records the same name as the
task instances' hostname (``[core] hostname_callable`` -> ``worker_hostname``), so the UI and the REST API
show which worker ran a task even when both run on one machine. The result backend is Airflow's metadata
database (``db+postgresql``), as in the compose file. Airflow is never imported here.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from partner_sync.dev import local_airflow as local

log = logging.getLogger(__name__)

REDIS = "redis"
DEFAULT_QUEUE = "default"
WORKER_NAME_ENV = "PARTNER_SYNC_WORKER_HOSTNAME"
HOSTNAME_CALLABLE = "partner_sync.dev.local_celery.worker_hostname"


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the local workers: the worker's celery node name, else the FQDN."""
    return os.environ.get(WORKER_NAME_ENV) or socket.getfqdn()


@dataclass(frozen=True)
class Worker:
    """One Celery worker: the queues it consumes and how many tasks it runs at once."""

    queue: str
    concurrency: int

    @property
    def component(self) -> str:
        return f"worker-{self.queue}"

    def node(self, host: str) -> str:
        return f"{self.queue}@{host}"


def workers(gpu_queue: str = "gpu", default_concurrency: int = 2) -> tuple[Worker, ...]:
    """A default-queue worker and a worker on the GPU queue only (one task at a time, as on one GPU)."""
    return (Worker(DEFAULT_QUEUE, default_concurrency), Worker(gpu_queue, 1))


def redis_binary() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                             else None)
    if not found:
        raise local.LocalAirflowError("redis-server is not installed: apt-get install redis-server "
                                      "(the Celery broker of the local production topology)")
    return found


def celery_env(prepared: local.Prepared, redis_port: int, concurrency: int) -> dict[str, str]:
    """The variables that switch ``prepared``'s Airflow to CeleryExecutor on the local Redis."""
    metadata = prepared.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(concurrency),
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": DEFAULT_QUEUE,
        # the executor polls task states with a process pool; one process is plenty on a laptop
        "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
    }


def _pid(home: Path, component: str) -> int | None:
    """The component's pid when it still runs that program (pid files outlive reboots; pids get reused)."""
    try:
        pid = int(local._pid_file(home, component).read_text().strip())
    except (OSError, ValueError):
        return None
    if not local.process_alive(pid):
        return None
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read()
    except OSError:
        return pid
    # celery retitles its worker ("[celeryd: default@host:MainProcess] ... (celery worker ...)")
    return pid if (b"redis-server" if component == REDIS else b"celery") in cmdline else None


def extra_pids(home: Path) -> dict[str, int]:
    """``{component: pid}`` of the running workers and Redis of ``home``."""
    found = {}
    for path in sorted(local._run_dir(home).glob("*.pid")) if local._run_dir(home).exists() else ():
        component = path.stem
        if component in local.COMPONENTS:
            continue
        pid = _pid(home, component)
        if pid is not None:
            found[component] = pid
    return found


def _spawn(home: Path, component: str, cmd: list[str], env: dict[str, str]) -> int:
    logfile = local._log_file(home, component)
    with open(logfile, "ab") as out:
        out.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} {component} =====\n".encode())
        out.flush()
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=str(home))
    local._pid_file(home, component).write_text(f"{proc.pid}\n")
    return proc.pid


def _wait_for(what: str, ready: Callable[[], bool], pid: int, home: Path, component: str, deadline: float) -> None:
    while not ready():
        if not local.process_alive(pid):
            raise local.LocalAirflowError(f"{what} exited during start-up:\n{local.logs_tail(home, [component])}")
        if time.monotonic() > deadline:
            raise local.LocalAirflowError(f"{what} not ready in time:\n{local.logs_tail(home, [component])}")
        time.sleep(0.3)


def _redis_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _log_has(home: Path, component: str, needle: str) -> bool:
    try:
        return needle in local._log_file(home, component).read_text(errors="replace")
    except OSError:
        return False


@dataclass
class CeleryRunning:
    """A started local Celery topology: the Airflow components plus Redis and the workers."""

    airflow: local.Running
    redis_port: int
    worker_nodes: dict[str, str]  # queue -> celery node name (= the task instances' hostname)
    pids: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def start_celery(prepared: local.Prepared, *, gpu_queue: str = "gpu", default_concurrency: int = 2,
                 redis_port: int | None = None, wait_for_dags: list[str] | tuple[str, ...] = (),
                 timeout: float = 300, say: Callable[[str], None] = lambda line: log.info("%s", line)
                 ) -> CeleryRunning:
    """Redis, then the Airflow components with CeleryExecutor, then both workers; on any failure
    everything started here is stopped again and the error carries the end of the logs."""
    home = prepared.home
    if extra_pids(home) or local.running_pids(home):
        raise local.LocalAirflowError(f"local Airflow of {home} is already running; stop it first "
                                      "(partner_sync airflow down)")
    started = time.monotonic()
    deadline = started + timeout
    redis_port = redis_port or local.free_port()
    local._run_dir(home).mkdir(parents=True, exist_ok=True)
    (home / "redis").mkdir(parents=True, exist_ok=True)
    prepared.env.update(celery_env(prepared, redis_port, default_concurrency))
    full_env = {**os.environ, **prepared.env}
    seconds: dict[str, float] = {}
    try:
        pid = _spawn(home, REDIS, [redis_binary(), "--port", str(redis_port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--dir", str(home / "redis"),
                                   "--daemonize", "no"], full_env)
        _wait_for("redis-server", lambda: _redis_ready(redis_port), pid, home, REDIS, deadline)
        say(f"redis-server on 127.0.0.1:{redis_port} (pid {pid})")
        seconds["redis"] = round(time.monotonic() - started, 1)

        t = time.monotonic()
        running = local.start(prepared, wait_for_dags=wait_for_dags, timeout=max(30.0, deadline - t), say=say)
        seconds["airflow"] = round(time.monotonic() - t, 1)

        t = time.monotonic()
        host = socket.gethostname()
        nodes: dict[str, str] = {}
        pids: dict[str, int] = {}
        for worker in workers(gpu_queue, default_concurrency):
            node = worker.node(host)
            env = {**full_env, WORKER_NAME_ENV: node, "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE}
            pids[worker.component] = _spawn(
                home, worker.component,
                [local._bin("airflow"), "celery", "worker", "--queues", worker.queue,
                 "--concurrency", str(worker.concurrency), "--celery-hostname", node, "--skip-serve-logs",
                 "--without-mingle", "--without-gossip"], env)
            nodes[worker.queue] = node
        for worker in workers(gpu_queue, default_concurrency):
            node = nodes[worker.queue]
            _wait_for(f"celery worker {node}", lambda n=node, c=worker.component: _log_has(home, c, f"{n} ready"),
                      pids[worker.component], home, worker.component, deadline)
            say(f"celery worker {node} ready: queue {worker.queue}, concurrency {worker.concurrency} "
                f"(pid {pids[worker.component]})")
        seconds["workers"] = round(time.monotonic() - t, 1)
    except BaseException:
        stop_celery(home, grace=10)
        raise
    seconds["startup"] = round(time.monotonic() - started, 1)
    return CeleryRunning(airflow=running, redis_port=redis_port, worker_nodes=nodes,
                         pids={REDIS: pid, **pids}, seconds=seconds)


def stop_celery(home: Path, *, grace: float = 30,
                say: Callable[[str], None] = lambda line: log.info("%s", line)) -> list[str]:
    """Stop the workers (SIGTERM: warm shutdown, then SIGKILL) and the Airflow components together, then
    Redis; returns every component that was running. Safe to call when nothing of it runs."""
    home = Path(home)
    extra = extra_pids(home)
    worker_pids = {c: p for c, p in extra.items() if c != REDIS}
    groups = set(worker_pids.values()) | local._descendant_groups(worker_pids.values())
    if groups:
        say(f"stopping {', '.join(f'{c} (pid {p})' for c, p in worker_pids.items())}")
    local._signal_groups(groups, signal.SIGTERM)  # warm shutdowns run while the components stop
    stopped = local.stop(home, grace=grace, say=say)
    _stop_groups(groups, grace, say)
    if REDIS in extra:
        say(f"stopping redis-server (pid {extra[REDIS]})")
        _stop_groups({extra[REDIS]}, grace, say)
    for component in extra:
        local._pid_file(home, component).unlink(missing_ok=True)
    return sorted([*stopped, *extra])


def _stop_groups(groups: set[int], grace: float, say: Callable[[str], None]) -> None:
    local._signal_groups(groups, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(local._group_alive(g) for g in groups):
        time.sleep(0.25)
    left = [g for g in groups if local._group_alive(g)]
    if left:
        say(f"still running after {grace:.0f}s, killing process groups {left}")
        local._signal_groups(left, signal.SIGKILL)
