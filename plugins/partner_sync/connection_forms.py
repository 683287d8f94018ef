"""How connections are written, parsed once: an Airflow connection (URI or JSON) into its fields, then into
the PostgreSQL (``ConnSpec``), Odoo (``OdooConnection``) or AWS (``AwsConnection``) connection the engine uses.

Inside Airflow the fields come straight from Airflow's ``Connection`` object (``partner_sync.airflow.
connections``); outside it, from ``AIRFLOW_CONN_<ID>`` values parsed here the way Airflow parses them. A
malformed URL is refused as a configuration error that never repeats its user-info, path or query: an
unencoded ``/``, ``?`` or ``#`` in a password moves the password's tail into the host, port or path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

from psycopg import pq
from psycopg.conninfo import make_conninfo


class ConnectionFormError(ValueError):
    """A connection value that cannot be read; the message names the connection, never its secrets."""


@dataclass(frozen=True)
class ConnFields:
    """An Airflow connection's fields, whichever way it was written; ``password`` and ``extra`` stay out of repr."""

    conn_id: str
    conn_type: str | None
    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    schema: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)
    from_uri: bool = False


_ENCODE_HINT = ("percent-encode special characters in the user name and password "
                "(/ as %2F, ? as %3F, # as %23, @ as %40, : as %3A)")


def _malformed(conn_id: str, why: str) -> ConnectionFormError:
    return ConnectionFormError(f"{conn_id}: the connection URL is malformed ({why}); {_ENCODE_HINT}")


def _extra_dict(conn_id: str, extra: Any) -> dict[str, Any]:
    if not extra:
        return {}
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except json.JSONDecodeError as exc:
            raise ConnectionFormError(f"{conn_id}: the connection's extra is not valid JSON ({exc.msg})") from None
    if not isinstance(extra, Mapping):
        raise ConnectionFormError(f"{conn_id}: the connection's extra must be a JSON object")
    return dict(extra)


def _port(conn_id: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise ConnectionFormError(f"{conn_id}: port is not a number") from None
    if not 0 < port < 65536:
        raise ConnectionFormError(f"{conn_id}: port is not a TCP port (1-65535)")
    return port


def parse_fields(conn_id: str, value: str | ConnFields) -> ConnFields:
    """An ``AIRFLOW_CONN_*`` value (URI or Airflow's JSON form) as ConnFields; ConnFields pass through."""
    if isinstance(value, ConnFields):
        return value
    value = value.strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConnectionFormError(f"{conn_id}: JSON connection is not valid JSON ({exc.msg})") from None
        return ConnFields(conn_id, data.get("conn_type"), data.get("host") or None, _port(conn_id, data.get("port")),
                          data.get("login") or None, data.get("password") or None,
                          data.get("schema") or data.get("database") or None, _extra_dict(conn_id, data.get("extra")))
    return _parse_uri(conn_id, value)


def _parse_uri(conn_id: str, value: str) -> ConnFields:
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise _malformed(conn_id, "it contains whitespace or control characters")
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme:
        raise ConnectionFormError(f"{conn_id}: not a connection URL (expected scheme://...)")
    netloc_end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    if "@" in rest[netloc_end:]:  # user-info that runs past the host: an unencoded / ? # in the user or password
        raise _malformed(conn_id, "an '@' after the host part")
    parts = urlsplit(value)
    if parts.fragment or "#" in value:
        raise _malformed(conn_id, "a '#' in the URL")
    try:
        port = parts.port
    except ValueError:
        raise _malformed(conn_id, "the port is not a number") from None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    extra: dict[str, Any] = {}
    if "__extra__" in query:
        extra.update(_extra_dict(conn_id, query.pop("__extra__")))
    extra.update(query)
    # urlsplit lower-cases .hostname; keep the case (socket paths are case-sensitive).
    hostport = parts.netloc.rpartition("@")[2]
    host = unquote((hostport.rsplit(":", 1)[0] if port is not None or hostport.endswith(":") else hostport)
                   .strip("[]"))
    return ConnFields(conn_id, scheme.lower(), host or None, port,
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None,
                      unquote(parts.path.lstrip("/")) or None, extra, from_uri=True)


# -- PostgreSQL -----------------------------------------------------------------------------------

# Extras that are Airflow's or the postgres provider's own (PostgresHook.ignored_extra_options), never libpq's.
POSTGRES_EXTRA_DENY = frozenset({
    "iam", "redshift", "redshift-serverless", "cursor", "cluster-identifier", "workgroup-name", "aws_conn_id",
    "sqlalchemy_scheme", "sqlalchemy_query", "azure_conn_id", "conn_type", "description", "enable_log_db_messages",
})
# The connection's own fields: an extra of the same name only fills a field left empty (libpq URIs allow ?user=).
_FIELD_KEYS = ("host", "port", "user", "password", "dbname")


def _libpq_keywords() -> frozenset[str]:
    return frozenset(o.keyword.decode() for o in pq.Conninfo.get_defaults())


LIBPQ_KEYWORDS = _libpq_keywords()


@dataclass(frozen=True)
class ConnSpec:
    """One PostgreSQL connection; ``dsn`` is for libpq, ``masked`` is for logs."""

    conn_id: str
    host: str | None
    port: int | None
    user: str | None
    password: str | None = field(repr=False)
    dbname: str | None
    options: tuple[tuple[str, str], ...] = ()

    @property
    def dsn(self) -> str:
        params = {k: v for k, v in (("host", self.host), ("port", self.port), ("user", self.user),
                                     ("password", self.password), ("dbname", self.dbname)) if v}
        params.update(dict(self.options))
        return make_conninfo(**params)

    @property
    def masked(self) -> str:
        auth = f"{self.user or ''}{':***' if self.password else ''}"
        host = self.host or ""
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{auth}@{host}{port}/{self.dbname or ''}"


def _libpq_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def postgres_spec(fields: ConnFields) -> ConnSpec:
    """A PostgreSQL ConnSpec from connection fields: every extra passes to libpq except Airflow's own
    (``POSTGRES_EXTRA_DENY``); an extra libpq does not know is refused by name."""
    conn_id = fields.conn_id
    if fields.conn_type not in (None, "postgres", "postgresql"):
        what = "scheme must be postgres:// or postgresql://" if fields.from_uri else "conn_type must be postgres"
        raise ConnectionFormError(f"{conn_id}: {what}, got {fields.conn_type!r}")
    extra = {k: v for k, v in fields.extra.items() if k not in POSTGRES_EXTRA_DENY and v is not None}
    unknown = sorted(k for k in extra if k not in LIBPQ_KEYWORDS)
    if unknown:
        raise ConnectionFormError(f"{conn_id}: extra {', '.join(map(repr, unknown))} is not a libpq connection "
                                  "parameter (https://www.postgresql.org/docs/current/libpq-connect.html)")
    host = fields.host or (str(extra["host"]) if extra.get("host") else None)
    if fields.from_uri and not host:
        raise ConnectionFormError(f"{conn_id}: no host in the connection URI")
    port = fields.port if fields.port is not None else _port(conn_id, extra.get("port"))
    user = fields.login or (str(extra["user"]) if extra.get("user") else None)
    password = fields.password or (str(extra["password"]) if extra.get("password") else None)
    dbname = fields.schema or (str(extra["dbname"]) if extra.get("dbname") else None)
    options = tuple((k, _libpq_value(v)) for k, v in extra.items() if k not in _FIELD_KEYS)
    return ConnSpec(conn_id, host, port, user, password, dbname, options)


def parse_connection(conn_id: str, value: str | ConnFields) -> ConnSpec:
    """A PostgreSQL connection value (URI, JSON or fields) as a ConnSpec; ConnectionFormError when malformed."""
    return postgres_spec(parse_fields(conn_id, value))


# -- Odoo ---------------------------------------------------------------------------------------------

ODOO_PROTOCOLS = ("xmlrpc", "jsonrpc")


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


def odoo_connection(fields: ConnFields) -> OdooConnection:
    """An Odoo connection: ``odoo://login:apikey@host:port/database?protocol=jsonrpc`` (extras: protocol
    xmlrpc|jsonrpc, scheme https|http, lang, timeout, database), or the same fields from Airflow."""
    conn_id = fields.conn_id
    extra = dict(fields.extra)
    if fields.from_uri:
        if fields.conn_type not in ("odoo", "odoos", "http", "https"):
            raise ConnectionFormError(f"{conn_id}: scheme must be odoo:// (or http(s)://), "
                                      f"got {fields.conn_type or 'none'!r}")
        if fields.conn_type in ("http", "https", "odoos"):
            extra.setdefault("scheme", "http" if fields.conn_type == "http" else "https")
    host, login, key = str(fields.host or ""), fields.login, fields.password
    db = fields.schema or extra.get("database")
    scheme = str(extra.get("scheme") or "https").lower()
    if host.startswith(("http://", "https://")):
        scheme, host = host.split("://", 1)
    host = host.rstrip("/")
    missing = [what for what, ok in (("a host", host), ("a login (user)", login), ("an API key (password)", key),
                                     ("a database name (path or schema)", db)) if not ok]
    if missing:
        raise ConnectionFormError(f"{conn_id}: the Odoo connection needs " + ", ".join(missing))
    protocol = str(extra.get("protocol") or "xmlrpc").lower().replace("-", "")
    if protocol not in ODOO_PROTOCOLS:
        raise ConnectionFormError(f"{conn_id}: protocol must be xmlrpc or jsonrpc, got {protocol!r}")
    if scheme not in ("http", "https"):
        raise ConnectionFormError(f"{conn_id}: scheme must be https or http, got {scheme!r}")
    try:
        timeout = float(extra["timeout"]) if extra.get("timeout") else None
    except ValueError:
        raise ConnectionFormError(f"{conn_id}: timeout must be a number of seconds") from None
    port = fields.port
    url = f"{scheme}://{host}{f':{port}' if port else ''}"
    return OdooConnection(url, str(db), str(login), str(key), protocol, extra.get("lang") or None, timeout)


def parse_odoo_connection(value: str | ConnFields, conn_id: str = "odoo_api") -> OdooConnection:
    """An Odoo API connection value (URI, JSON or fields) as an OdooConnection."""
    return odoo_connection(parse_fields(conn_id, value))


# -- AWS ----------------------------------------------------------------------------------------------

AWS_REGION = "us-east-1"  # the Selling API's only endpoint


@dataclass(frozen=True)
class AwsConnection:
    """Optional explicit credentials; without them boto3's default chain applies (env, profile, role)."""

    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    profile_name: str | None = None
    region_name: str = AWS_REGION
    endpoint_url: str | None = None


def aws_connection(fields: ConnFields) -> AwsConnection:
    """Airflow's aws connection: ``aws://KEY_ID:SECRET@/?region_name=us-east-1&profile_name=...``, JSON or fields."""
    if fields.from_uri and fields.conn_type != "aws":
        raise ConnectionFormError(f"{fields.conn_id}: scheme must be aws://, got {fields.conn_type or 'none'!r}")
    extra = fields.extra
    return AwsConnection(fields.login or extra.get("aws_access_key_id"),
                         fields.password or extra.get("aws_secret_access_key"),
                         extra.get("aws_session_token"), extra.get("profile_name"),
                         extra.get("region_name") or AWS_REGION, extra.get("endpoint_url"))


def parse_aws_connection(value: str | ConnFields, conn_id: str = "aws_partner_central") -> AwsConnection:
    """An AWS connection value (URI, JSON or fields) as an AwsConnection."""
    return aws_connection(parse_fields(conn_id, value))
