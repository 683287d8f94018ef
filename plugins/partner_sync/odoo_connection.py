"""How an Odoo API connection is written (an Airflow connection: URI or JSON), parsed into ``OdooConnection``.

Apart from the reader so that configuration can validate ``AIRFLOW_CONN_ODOO_API`` without importing a source.
The API key never appears in a log line, an error or a repr (``OdooConnection.masked``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

PROTOCOLS = ("xmlrpc", "jsonrpc")


@dataclass(frozen=True)
class OdooConnection:
    """Where and as whom to call Odoo; ``api_key`` is never shown (``masked`` is for logs)."""

    url: str                      # scheme://host[:port][/path]
    database: str
    login: str
    api_key: str = field(repr=False)
    protocol: str = "xmlrpc"
    lang: str | None = None
    timeout: float | None = None

    @property
    def masked(self) -> str:
        rest = self.url.split("://", 1)[1]
        return f"odoo://{self.login}:***@{rest}/{self.database}?protocol={self.protocol}"


def parse_odoo_connection(value: str, conn_id: str = "odoo_api") -> OdooConnection:
    """An Airflow connection value for Odoo: URI ``odoo://login:apikey@host:port/database?protocol=jsonrpc``
    (extras: protocol xmlrpc|jsonrpc, scheme https|http, lang, timeout) or Airflow's JSON form."""
    value = value.strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{conn_id}: JSON connection is not valid JSON ({exc.msg})") from None
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra or "{}")
        host, port = str(data.get("host") or ""), data.get("port")
        login, key, db = data.get("login"), data.get("password"), data.get("schema") or extra.get("database")
    else:
        parts = urlsplit(value)
        if parts.scheme not in ("odoo", "odoos", "http", "https"):
            raise ValueError(f"{conn_id}: scheme must be odoo:// (or http(s)://), got {parts.scheme or 'none'!r}")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"{conn_id}: port is not a number") from None
        extra = dict(parse_qsl(parts.query))
        if "__extra__" in extra:
            extra.update(json.loads(extra.pop("__extra__")))
        if parts.scheme in ("http", "https", "odoos"):
            extra.setdefault("scheme", "http" if parts.scheme == "http" else "https")
        host = parts.hostname or ""
        login = unquote(parts.username) if parts.username else None
        key = unquote(parts.password) if parts.password else None
        db = unquote(parts.path.lstrip("/")) or extra.get("database")
    scheme = str(extra.get("scheme") or "https").lower()
    if host.startswith(("http://", "https://")):
        scheme, host = host.split("://", 1)
    host = host.rstrip("/")
    problems = [what for what, ok in (("a host", host), ("a login (user)", login), ("an API key (password)", key),
                                      ("a database name (path or schema)", db)) if not ok]
    if problems:
        raise ValueError(f"{conn_id}: the Odoo connection needs " + ", ".join(problems))
    protocol = str(extra.get("protocol") or "xmlrpc").lower().replace("-", "")
    if protocol not in PROTOCOLS:
        raise ValueError(f"{conn_id}: protocol must be xmlrpc or jsonrpc, got {protocol!r}")
    if scheme not in ("http", "https"):
        raise ValueError(f"{conn_id}: scheme must be https or http, got {scheme!r}")
    try:
        timeout = float(extra["timeout"]) if extra.get("timeout") else None
    except ValueError:
        raise ValueError(f"{conn_id}: timeout must be a number of seconds") from None
    url = f"{scheme}://{host}{f':{port}' if port else ''}"
    return OdooConnection(url, str(db), str(login), str(key), protocol, extra.get("lang") or None, timeout)
