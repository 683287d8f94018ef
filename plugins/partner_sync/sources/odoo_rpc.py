"""Odoo through its External API: XML-RPC (``/xmlrpc/2/common``, ``/xmlrpc/2/object``) or JSON-RPC (``/jsonrpc``).

For Odoo customers who cannot reach their PostgreSQL database (Odoo Online, most Odoo.sh and hosted
installs). Login with a user and an API key (``common.authenticate``), then per model:

* discovery: ``fields_get`` (type, relation, required, store, translate ...) -> stored fields only, typed
  as the database mode would type the same columns (``sources/odoo_types.py``);
* rows: ``search_read`` on ``[(cursor, '>', watermark - overlap)]`` with ``active_test: False`` in the
  context (archived rows come too), in pages of ``page_size`` (default 500) so memory stays flat. Pages
  are keyset on ``id`` (``order: 'id'``, each page ``id > last id``), and the window is capped at the
  newest ``write_date`` seen when the table's read starts: the API truncates ``write_date`` to seconds
  (the database keeps microseconds), so neither ``(write_date, id)`` keysets nor offsets are stable under
  concurrent writes -- ids are; rows written during the read carry a newer ``write_date`` and come next run;
* deletions: ``search`` returns ids only; every current id (keyset pages of 100,000) goes to the loader,
  which marks the raw rows whose id is gone.

The API key never appears in a log line, an error or a repr (``OdooConnection.masked``).
"""

from __future__ import annotations

import http.client
import itertools
import json
import logging
import socket
import ssl
import urllib.error
import urllib.request
import xmlrpc.client
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

from partner_sync.logs import kv
from partner_sync.connection_forms import OdooConnection, parse_odoo_connection
from partner_sync.contracts import TableSchema, Window, no_snapshot
from partner_sync.source_defs import secret_reason
from partner_sync.sources import odoo_types
from partner_sync.sources.base import (Backoff, Discovered, SchemaChanged, SourceAccessError, SourceAuthError,
                                       SourceError, api_connection_value, wanted_tables)

log = logging.getLogger(__name__)
KEY_PAGE_SIZE = 100_000
_TRANSIENT_HTTP = {429, 502, 503, 504}


# -- transports ---------------------------------------------------------------------------------------

class OdooFault(SourceError):
    """An error Odoo returned (XML-RPC fault / JSON-RPC error), with its exception class when known."""

    def __init__(self, message: str, *, code: int | None = None, name: str | None = None):
        self.code, self.name, self.text = code, name, message
        super().__init__(message)

    @property
    def kind(self) -> str:
        name, text = self.name or "", self.text
        if self.code == 3 or name.endswith("AccessDenied"):
            return "access_denied"
        if self.code == 4 or name.endswith("AccessError"):
            return "access_error"
        if "Invalid field" in text:
            return "invalid_field"
        return "error"


def _fault_summary(text: str) -> str:
    """The useful line of an Odoo fault (the last line of a traceback), without the traceback."""
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else str(text)


def is_transient(exc: BaseException) -> bool:
    """Timeouts, refused/reset connections and gateway errors are retried; Odoo's own errors are not."""
    if isinstance(exc, OdooFault) or isinstance(getattr(exc, "reason", exc), ssl.SSLCertVerificationError):
        return False  # Odoo's own errors and a certificate that does not verify do not heal by waiting
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return exc.errcode in _TRANSIENT_HTTP
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in _TRANSIENT_HTTP
    if isinstance(exc, urllib.error.URLError):
        return isinstance(exc.reason, (OSError, socket.timeout)) or "timed out" in str(exc.reason)
    return isinstance(exc, (TimeoutError, socket.timeout, ConnectionError, http.client.HTTPException, OSError))


class _TimeoutMixin:
    """xmlrpc transports take no timeout; this one sets it on every HTTP(S) connection."""

    def __init__(self, timeout: float | None, **kw: Any):
        super().__init__(**kw)
        self.timeout = timeout

    def make_connection(self, host):  # noqa: ANN001 - stdlib signature
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


class _TimeoutTransport(_TimeoutMixin, xmlrpc.client.Transport):
    pass


class _TimeoutSafeTransport(_TimeoutMixin, xmlrpc.client.SafeTransport):
    pass


class XmlRpcTransport:
    """``/xmlrpc/2/<service>``: one ServerProxy per service (keep-alive), faults -> OdooFault."""

    def __init__(self, url: str, timeout: float | None):
        self.url, self.timeout = url, timeout
        self._proxies: dict[str, xmlrpc.client.ServerProxy] = {}

    def _proxy(self, service: str) -> xmlrpc.client.ServerProxy:
        if service not in self._proxies:
            cls = _TimeoutSafeTransport if self.url.startswith("https") else _TimeoutTransport
            self._proxies[service] = xmlrpc.client.ServerProxy(
                f"{self.url}/xmlrpc/2/{service}", transport=cls(self.timeout), allow_none=True)
        return self._proxies[service]

    def call(self, service: str, method: str, *args: Any) -> Any:
        try:
            return getattr(self._proxy(service), method)(*args)
        except xmlrpc.client.Fault as fault:
            raise OdooFault(_fault_summary(fault.faultString), code=fault.faultCode,
                            name=_exception_name(fault.faultString)) from None
        except Exception:
            self._proxies.pop(service, None)  # a broken keep-alive connection is not reused
            raise

    def close(self) -> None:
        for proxy in self._proxies.values():
            proxy("close")()
        self._proxies.clear()


def _exception_name(text: str) -> str | None:
    last = _fault_summary(text)
    head = last.split(":", 1)[0]
    return head if head and " " not in head else None


class JsonRpcTransport:
    """``/jsonrpc``: ``{"jsonrpc": "2.0", "method": "call", "params": {"service", "method", "args"}}``."""

    def __init__(self, url: str, timeout: float | None):
        self.url, self.timeout = f"{url}/jsonrpc", timeout
        self._ids = itertools.count(1)

    def call(self, service: str, method: str, *args: Any) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                           "params": {"service": service, "method": method, "args": list(args)}}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310 - URL from config
            payload = json.loads(resp.read().decode("utf-8"))
        error = payload.get("error")
        if error:
            data = error.get("data") or {}
            message = data.get("message") or _fault_summary(data.get("debug") or error.get("message") or "")
            raise OdooFault(str(message), name=data.get("name"), code=error.get("code"))
        return payload.get("result")

    def close(self) -> None:
        pass


# -- client -------------------------------------------------------------------------------------------

class OdooClient:
    """Authenticated ``execute_kw`` with retry on transient failures and Odoo errors named."""

    def __init__(self, conn: OdooConnection, *, backoff: Backoff | None = None, transport: Any = None):
        self.conn = conn
        self.backoff = backoff or Backoff()
        self.transport = transport or (JsonRpcTransport if conn.protocol == "jsonrpc" else XmlRpcTransport)(
            conn.url, conn.timeout)
        self.uid: int | None = None
        self.requests = 0
        self.server_version: str | None = None

    def _call(self, service: str, method: str, *args: Any, what: str) -> Any:
        def once() -> Any:
            self.requests += 1
            return self.transport.call(service, method, *args)

        try:
            return self.backoff.run(once, is_transient, what)
        except (xmlrpc.client.ProtocolError, urllib.error.HTTPError) as exc:
            code = getattr(exc, "errcode", None) or getattr(exc, "code", "?")
            raise SourceError(f"{what}: Odoo at {self.conn.url} answered HTTP {code} ({self.conn.protocol}); "
                              "check the host, port, scheme and protocol of the connection") from None

    def login(self) -> int:
        if self.uid is None:
            where = self.conn.masked
            try:
                info = self._call("common", "version", what=f"odoo version {where}")
                self.server_version = str((info or {}).get("server_version", "?"))
                uid = self._call("common", "authenticate", self.conn.database, self.conn.login, self.conn.api_key,
                                 {}, what=f"odoo authenticate {where}")
            except OdooFault as exc:
                raise SourceAuthError(f"Odoo login failed at {where}: {exc}") from None
            if not uid:
                raise SourceAuthError(f"Odoo refused the login of {self.conn.login!r} on database "
                                      f"{self.conn.database!r} at {self.conn.url} ({self.conn.protocol}): check the "
                                      "user and its API key (Odoo: Preferences > Account Security > API Keys)")
            self.uid = int(uid)
            log.info(kv("odoo.login", url=self.conn.url, database=self.conn.database, login=self.conn.login,
                        uid=self.uid, protocol=self.conn.protocol, server_version=self.server_version))
        return self.uid

    def execute_kw(self, model: str, method: str, args: list, kwargs: dict | None = None) -> Any:
        uid = self.login()
        try:
            return self._call("object", "execute_kw", self.conn.database, uid, self.conn.api_key, model, method,
                              args, kwargs or {}, what=f"odoo {model}.{method}")
        except OdooFault as exc:
            if exc.kind == "access_denied":
                raise SourceAuthError(f"Odoo refused the credentials of {self.conn.login!r} calling "
                                      f"{model}.{method}: {exc}") from None
            if exc.kind == "access_error":
                raise SourceAccessError(f"Odoo user {self.conn.login!r} may not {method} model {model}: {exc} "
                                        "(give the API user read access to it, or disable the table)") from None
            raise

    def close(self) -> None:
        self.transport.close()


# -- reader -------------------------------------------------------------------------------------------

def _format_bound(value: Any, ceil: bool = False) -> Any:
    """A window bound in Odoo's domain format (datetimes to the second, rounded outward)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # Odoo compares naive UTC
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        if ceil and value.microsecond:
            value = value.replace(microsecond=0) + timedelta(seconds=1)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cap_condition(cursor: str, cap: str) -> tuple:
    """``cursor <= cap`` for the newest value Odoo sent; datetimes come to the second, so ``< cap + 1 s``."""
    if len(cap) <= 10:
        return (cursor, "<=", cap)
    return (cursor, "<", _format_bound(datetime.fromisoformat(cap) + timedelta(seconds=1)))


class OdooRpcReader:
    """Reads Odoo tables (models) through the External API for the raw loader."""

    mode = "odoo_rpc"

    @property
    def connection_id(self) -> str:
        return self.source.api_connection

    def __init__(self, source: Any, client: OdooClient, *, page_size: int = 500, lang: str = "en_US",
                 key_page_size: int = KEY_PAGE_SIZE):
        self.source, self.client = source, client
        self.page_size, self.key_page_size = page_size, key_page_size
        self.context = {"lang": lang, "active_test": False}
        self._schemas: dict[str, TableSchema] = {}
        self._notes: dict[str, dict] = {}

    @classmethod
    def from_settings(cls, settings: Any, source: Any, *, transport: Any = None,
                      sleep: Any = None) -> "OdooRpcReader":
        conn_id = source.api_connection
        value = api_connection_value(settings, conn_id)
        if not value:
            raise SourceAuthError(f"source {source.name}: mode odoo_rpc needs the connection {conn_id} "
                                  f"(AIRFLOW_CONN_{conn_id.upper()}=odoo://user:apikey@host:8069/database"
                                  "?protocol=jsonrpc); see README 'Connecting your real systems'")
        conn = parse_odoo_connection(value, conn_id)
        if conn.timeout is None:
            conn = OdooConnection(conn.url, conn.database, conn.login, conn.api_key, conn.protocol, conn.lang,
                                  float(source.timeout_seconds))
        backoff = Backoff(attempts=settings.retry_attempts, base_delay=settings.retry_base_delay,
                          **({"sleep": sleep} if sleep else {}))
        client = OdooClient(conn, backoff=backoff, transport=transport)
        return cls(source, client, page_size=source.page_size,
                   lang=conn.lang or getattr(settings, "language", None) or "en_US")

    # discovery
    def discover(self, tables: list[str] | None = None) -> Discovered:
        self.client.login()  # a refused login fails the whole source at once
        found = Discovered()
        for tdef in wanted_tables(self.source, tables):
            try:
                found[tdef.name] = self._discover_table(tdef)
            except SourceAuthError:
                raise
            except SourceError as exc:
                found.failures[tdef.name] = str(exc)
                log.error(kv("discover.failed", source=self.source.name, table=tdef.name, model=tdef.odoo_model,
                             error=str(exc).splitlines()[0]))
        return found

    def _discover_table(self, tdef: Any) -> TableSchema:
        model = tdef.odoo_model
        try:
            meta = self.client.execute_kw(model, "fields_get", [],
                                          {"attributes": odoo_types.ATTRIBUTES, "context": self.context})
        except SourceAccessError:
            raise
        except OdooFault as exc:
            raise SourceError(f"table {tdef.name}: model {model} cannot be described ({exc}); is its module "
                              "installed? (set `model:` in the source YAML when the name differs)") from None
        if not isinstance(meta, dict) or not meta:
            raise SourceError(f"table {tdef.name}: model {model} returned no fields")
        columns, excluded = [], {}
        for name in ["id", *sorted(n for n in meta if n != "id")]:
            fmeta = meta.get(name, {"type": "integer", "store": True})
            why = odoo_types.skip_reason(name, fmeta)
            if why and not odoo_types.reported(fmeta):
                continue  # not a column in the database either (computed, related, one2many)
            if why is None:
                why = secret_reason(name, tdef, self.source.secret_patterns)
                if why and name in tdef.primary_key:
                    why = None
            if why:
                excluded[name] = why
                continue
            columns.append(odoo_types.column(name, fmeta, tdef.column_types.get(name)))
        names = {c.name for c in columns}
        bad = [k for k in (*tdef.primary_key, *([tdef.cursor] if tdef.cursor else [])) if k not in names]
        if bad:
            raise SourceError(f"table {tdef.name}: model {model} has no stored field(s) {', '.join(bad)} named as "
                              "primary key/cursor")
        schema = TableSchema(tdef.name, columns, tdef.primary_key, tdef.cursor, excluded)
        self._schemas[tdef.name] = schema
        return schema

    def _schema(self, table: str, schema: TableSchema | None = None) -> TableSchema:
        if schema is not None:
            self._schemas[table] = schema
        elif table not in self._schemas:
            self._discover_table(self.source.tables[table])
        return self._schemas[table]

    def overlap(self, configured: timedelta) -> timedelta:
        return configured  # write_date is Odoo's server clock: re-read the configured overlap

    def window(self, wh: Any, table: str, window: Window) -> Window:
        return window

    def snapshot(self, schema: TableSchema) -> Any:
        """No SQL access through the External API: the loader reads ``rows`` and ``keys``."""
        return no_snapshot()

    # rows
    def rows(self, table: str, window: Window, schema: TableSchema | None = None) -> Iterator[dict[str, Any]]:
        """Rows of ``window``; ``schema`` is the discovered one (else the model is described again)."""
        schema = self._schema(table, schema)
        model = self.source.tables[table].odoo_model
        names = schema.column_names
        convert = {c.name: odoo_types.converter(odoo_types.meta_of(c), c.data_type) for c in schema.columns}
        notes = self._notes[table] = {"mode": self.mode, "model": model, "pages": 0, "order": "id",
                                      "page_size": self.page_size}
        domain: list = []
        cursor = schema.cursor
        if cursor and window.lower is not None:
            domain.append((cursor, ">=" if window.lower_inclusive else ">", _format_bound(window.lower)))
        if cursor and window.upper is not None:
            domain.append((cursor, "<", _format_bound(window.upper, ceil=True)))
        if cursor:
            newest = self.client.execute_kw(model, "search_read", [[]], {
                "fields": [cursor], "order": f"{cursor} desc", "limit": 1, "context": self.context})
            cap = newest[0].get(cursor) if newest else False
            if cap:  # rows written from now on carry a newer cursor: they are the next run's
                notes["cap"] = str(cap)
                capped = _cap_condition(cursor, str(cap))
                if window.lower is None:  # a full read also takes rows that have no cursor value
                    domain += ["|", (cursor, "=", False), capped]
                else:
                    domain.append(capped)
        notes["domain"] = json.dumps(domain)
        last_id = 0
        for page in itertools.count(1):
            try:
                batch = self.client.execute_kw(model, "search_read", [domain + [("id", ">", last_id)]], {
                    "fields": names, "order": "id", "limit": self.page_size, "context": self.context})
            except OdooFault as exc:
                if exc.kind == "invalid_field":
                    raise SchemaChanged(f"table {table}: a field of model {model} disappeared while it was read "
                                        f"(page {page}): {exc}; nothing of this table was loaded, the next run "
                                        "discovers the model again (the raw column is kept)") from None
                raise
            notes["pages"] = page
            for rec in batch:
                missing = [n for n in names if n not in rec]
                if missing:
                    raise SchemaChanged(f"table {table}: field(s) {', '.join(missing)} of model {model} disappeared "
                                        f"while it was read (page {page}); nothing of this table was loaded, the "
                                        "next run discovers the model again (the raw column is kept)")
                yield {n: convert[n](rec[n]) for n in names}
            if len(batch) < self.page_size:
                break
            last_id = batch[-1]["id"]
        notes["requests"] = self.client.requests

    def keys(self, table: str) -> Iterator[tuple[int]]:
        """Every current id (archived included), in keyset pages of ``search`` (ids only)."""
        schema = self._schema(table)
        if schema.primary_key != ("id",):
            return None
        return self._ids(self.source.tables[table].odoo_model)

    def _ids(self, model: str) -> Iterator[tuple[int]]:
        last = 0
        while True:
            ids = self.client.execute_kw(model, "search", [[("id", ">", last)]], {
                "order": "id", "limit": self.key_page_size, "context": self.context})
            for i in ids:
                yield (int(i),)
            if len(ids) < self.key_page_size:
                return
            last = ids[-1]

    def notes(self, table: str) -> dict[str, Any]:
        return dict(self._notes.get(table, {}))

    def close(self) -> None:
        self.client.close()


__all__ = ["OdooConnection", "OdooClient", "OdooFault", "OdooRpcReader", "parse_odoo_connection",
           "JsonRpcTransport", "XmlRpcTransport"]
