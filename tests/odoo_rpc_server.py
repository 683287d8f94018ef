"""A local stand-in for Odoo 17's External API, for the tests (127.0.0.1 only, one thread per request).

It speaks the documented protocol: XML-RPC ``/xmlrpc/2/common`` (``version``, ``authenticate``) and
``/xmlrpc/2/object`` (``execute_kw(db, uid, key, model, method, args, kwargs)``), and JSON-RPC ``/jsonrpc``
(``{"jsonrpc": "2.0", "method": "call", "params": {"service", "method", "args"}}``). Errors look like
Odoo's: XML-RPC faults with codes 1 (application error, traceback text), 3 (AccessDenied), 4 (AccessError);
JSON-RPC ``{"error": {"code": 200, "message": "Odoo Server Error", "data": {"name", "message", "debug"}}}``.

Records are kept the way the database holds them (None for NULL, microsecond datetimes, translated char as
``{lang: text}``) and returned in the ORM's read format: ``False`` for empty values, ``0``/``0.0`` for empty
numbers, ``[id, "display name"]`` for many2one, id lists for x2many, ``"YYYY-MM-DD HH:MM:SS"`` datetimes.
Domains are Odoo's prefix notation (``'&'``, ``'|'``, ``'!'``; =, !=, <, <=, >, >=, in, not in), ``active_test``
in the context hides archived rows unless it is False, ``fields_get`` answers the requested attributes.
Hooks let a test slow requests down, deny a model, or drop a field after some pages. Every request is
recorded in ``calls``; more than ``max_requests`` gets HTTP 503, so no test can loop forever.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
import xmlrpc.client
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""],
           "server_serie": "17.0", "protocol_version": 1}


class AccessError(Exception):
    name = "odoo.exceptions.AccessError"


class AccessDenied(Exception):
    name = "odoo.exceptions.AccessDenied"


@dataclass
class Model:
    name: str
    fields: dict[str, dict]
    records: dict[int, dict] = field(default_factory=dict)
    rec_name: str = "name"
    description: str = ""


def _f(ftype: str, string: str, **attrs: Any) -> dict:
    out = {"type": ftype, "string": string, "required": False, "readonly": False, "store": True}
    if ftype in ("char", "text", "html"):
        out["translate"] = False
    out.update(attrs)
    return out


MAGIC = {
    "id": _f("integer", "ID", readonly=True),
    "create_uid": _f("many2one", "Created by", relation="res.users", readonly=True),
    "create_date": _f("datetime", "Created on", readonly=True),
    "write_uid": _f("many2one", "Last Updated by", relation="res.users", readonly=True),
    "write_date": _f("datetime", "Last Updated on", readonly=True),
    "display_name": _f("char", "Display Name", store=False, readonly=True),
}


def odoo17_models(leads: int = 1200, t0: datetime = datetime(2026, 3, 1, 8, 0, 0)) -> dict[str, Model]:
    """crm.lead, crm.stage, crm.tag, res.partner, res.users shaped like Odoo 17's (a subset of their fields)."""
    users = Model("res.users", {**MAGIC, "login": _f("char", "Login", required=True),
                                "partner_id": _f("many2one", "Related Partner", relation="res.partner", required=True),
                                "active": _f("boolean", "Active"),
                                "password": _f("char", "Password", store=False)}, rec_name="login")
    partners = Model("res.partner", {**MAGIC, "name": _f("char", "Name"), "email": _f("char", "Email"),
                                     "active": _f("boolean", "Active"),
                                     "signup_token": _f("char", "Signup Token", store=False)})
    stages = Model("crm.stage", {**MAGIC, "name": _f("char", "Stage Name", required=True, translate=True),
                                 "sequence": _f("integer", "Sequence"), "is_won": _f("boolean", "Is Won Stage?"),
                                 "fold": _f("boolean", "Folded in Pipeline"),
                                 "requirements": _f("text", "Requirements")})
    tags = Model("crm.tag", {**MAGIC, "name": _f("char", "Tag Name", required=True, translate=True),
                             "color": _f("integer", "Color")})
    lead_fields = {
        **MAGIC,
        "name": _f("char", "Opportunity", required=True),
        "type": _f("selection", "Type", required=True, selection=[["lead", "Lead"], ["opportunity", "Opportunity"]]),
        "active": _f("boolean", "Active"),
        "priority": _f("selection", "Priority", selection=[["0", "Low"], ["1", "Medium"], ["2", "High"]]),
        "probability": _f("float", "Probability"),
        "expected_revenue": _f("monetary", "Expected Revenue", currency_field="company_currency"),
        "x_margin": _f("float", "Margin", digits=[16, 2]),
        "color": _f("integer", "Color Index"),
        "partner_id": _f("many2one", "Customer", relation="res.partner"),
        "stage_id": _f("many2one", "Stage", relation="crm.stage"),
        "user_id": _f("many2one", "Salesperson", relation="res.users"),
        "tag_ids": _f("many2many", "Tags", relation="crm.tag"),
        "activity_ids": _f("one2many", "Activities", relation="mail.activity"),
        "date_deadline": _f("date", "Expected Closing"),
        "date_closed": _f("datetime", "Closed Date"),
        "description": _f("html", "Notes"),
        "email_from": _f("char", "Email"),
        "x_studio_ace_opportunity_id": _f("char", "ACE Opportunity", size=20),
        "lead_properties": _f("properties", "Properties"),
        "x_document": _f("binary", "Document"),
        "api_token": _f("char", "Integration Token"),
        "probability_label": _f("char", "Probability label", store=False),
    }
    lead = Model("crm.lead", lead_fields)
    users.records = {1: {"id": 1, "login": "__system__", "partner_id": 1, "active": False},
                     2: {"id": 2, "login": "admin", "partner_id": 3, "active": True}}
    partners.records = {i: {"id": i, "name": n, "email": None, "active": True}
                        for i, n in ((1, "OdooBot"), (2, "Public user"), (3, "Mitchell Admin"), (7, "Azure Interior"),
                                     (8, "Deco Addict"))}
    names = {1: ("New", "Nouveau"), 2: ("Qualified", "Qualifié"), 3: ("Proposition", "Proposition"),
             4: ("Won", "Gagné")}
    stages.records = {i: {"id": i, "name": {"en_US": en, "fr_FR": fr}, "sequence": i, "is_won": i == 4,
                          "fold": False, "requirements": None, "create_date": t0, "write_date": t0,
                          "create_uid": 1, "write_uid": 1} for i, (en, fr) in names.items()}
    tags.records = {1: {"id": 1, "name": {"en_US": "AWS"}, "color": 1}, 2: {"id": 2, "name": {"en_US": "MAP"},
                                                                              "color": 2}}
    for i in range(1, leads + 1):
        wd = t0 + timedelta(minutes=7 * i, microseconds=123457 * (i % 7))
        lead.records[i] = {
            "id": i, "name": f"Opportunity {i}", "type": "opportunity" if i % 5 else "lead",
            "active": i % 50 != 0, "priority": str(i % 3) if i % 4 else None,
            "probability": (i % 10) * 10.0 if i % 6 else None, "expected_revenue": i * 100.5 if i % 3 else None,
            "x_margin": round(i * 0.37, 2), "color": i % 11, "partner_id": (7 if i % 2 else 8) if i % 9 else None,
            "stage_id": i % 4 + 1, "user_id": 2 if i % 8 else None, "tag_ids": [1, 2] if i % 2 else [],
            "activity_ids": [], "date_deadline": date(2026, 6, 1) + timedelta(days=i % 30) if i % 5 else None,
            "date_closed": wd if i % 4 == 0 else None, "description": f"<p>Lead {i}</p>" if i % 7 else None,
            "email_from": f"c{i}@example.com" if i % 10 else None,
            "x_studio_ace_opportunity_id": f"O{1000000 + i}" if i % 13 == 0 else None,
            "lead_properties": {"budget_owner": "cfo"} if i % 17 == 0 else None,
            "x_document": "UEsDBA==" if i == 1 else None, "api_token": f"tok{i}",
            "create_uid": 2, "write_uid": 2, "create_date": t0 + timedelta(minutes=7 * i), "write_date": wd}
    return {m.name: m for m in (users, partners, stages, tags, lead)}


class FakeOdoo:
    """The server; ``start()`` returns its base URL (``http://127.0.0.1:<port>``)."""

    def __init__(self, models: dict[str, Model] | None = None, *, database: str = "odoo17",
                 users: dict[str, tuple[str, int]] | None = None, max_requests: int = 5000):
        self.models = models if models is not None else odoo17_models()
        self.database = database
        self.users = users or {"admin": ("0123456789abcdef0123456789abcdef01234567", 2)}
        self.max_requests = max_requests
        self.calls: list[dict] = []
        self.denied: set[str] = set()              # models whose reads raise AccessError
        self.slow: list[float] = []                # delays for the next requests, one per request
        self.slow_methods: dict[str, list[float]] = {}  # delays for the next calls of one model method
        self.drop_field: tuple[str, str, int] | None = None  # (model, field, after N search_read pages)
        self.fail_next: list[int] = []             # HTTP status codes for the next requests (503, 502 ...)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # lifecycle
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, ctype, payload = fake.handle(self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-odoo", daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # test helpers
    def write(self, model: str, rid: int, when: datetime, **values: Any) -> None:
        with self._lock:
            self.models[model].records[rid].update(values, write_date=when)

    def create(self, model: str, values: dict, when: datetime) -> int:
        with self._lock:
            records = self.models[model].records
            rid = max(records, default=0) + 1
            records[rid] = {"id": rid, **values, "create_date": when, "write_date": when}
            return rid

    def unlink(self, model: str, rid: int) -> None:
        with self._lock:
            del self.models[model].records[rid]

    def calls_of(self, method: str, model: str | None = None) -> list[dict]:
        return [c for c in self.calls if c.get("method") == method and (model is None or c.get("model") == model)]

    # HTTP
    def handle(self, path: str, body: bytes) -> tuple[int, str, bytes]:
        with self._lock:
            n = len(self.calls)
            delay = self.slow.pop(0) if self.slow else 0.0
            status = self.fail_next.pop(0) if self.fail_next else None
        if n >= self.max_requests:
            return 503, "text/plain", b"too many requests in one test"
        if delay:
            time.sleep(delay)
        if status:
            with self._lock:
                self.calls.append({"path": path, "status": status})
            return status, "text/html", b"<html>Bad Gateway</html>"
        if path.startswith("/xmlrpc/2/"):
            return self._xmlrpc(path.rsplit("/", 1)[1], body)
        if path == "/jsonrpc":
            return self._jsonrpc(body)
        return 404, "text/plain", b"not found"

    def _xmlrpc(self, service: str, body: bytes) -> tuple[int, str, bytes]:
        params, method = xmlrpc.client.loads(body, use_datetime=False)
        try:
            result = self.dispatch("xmlrpc", service, method, list(params))
            out = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except AccessError as exc:
            out = xmlrpc.client.dumps(xmlrpc.client.Fault(4, str(exc)))
        except AccessDenied as exc:
            out = xmlrpc.client.dumps(xmlrpc.client.Fault(3, str(exc)))
        except Exception:  # noqa: BLE001 - Odoo sends the traceback as the fault string
            out = xmlrpc.client.dumps(xmlrpc.client.Fault(1, traceback.format_exc()))
        return 200, "text/xml", out.encode()

    def _jsonrpc(self, body: bytes) -> tuple[int, str, bytes]:
        req = json.loads(body)
        params = req.get("params") or {}
        try:
            result = self.dispatch("jsonrpc", params.get("service"), params.get("method"), params.get("args") or [])
            out = {"jsonrpc": "2.0", "id": req.get("id"), "result": result}
        except Exception as exc:  # noqa: BLE001 - serialized as Odoo's JsonRPC error
            name = getattr(exc, "name", f"builtins.{type(exc).__name__}")
            out = {"jsonrpc": "2.0", "id": req.get("id"), "error": {
                "code": 200, "message": "Odoo Server Error",
                "data": {"name": name, "debug": traceback.format_exc(), "message": str(exc),
                         "arguments": [str(exc)], "context": {}}}}
        return 200, "application/json", json.dumps(out).encode()

    # RPC
    def dispatch(self, protocol: str, service: str, method: str, args: list) -> Any:
        entry = {"protocol": protocol, "service": service, "method": method}
        if service == "common":
            with self._lock:
                self.calls.append(entry)
            if method == "version":
                return VERSION
            if method in ("authenticate", "login"):
                db, login, key = args[:3]
                if db != self.database:
                    raise RuntimeError(f'database "{db}" does not exist')
                user = self.users.get(login)
                return user[1] if user and user[0] == key else False
            raise AttributeError(f"The method '{method}' does not exist")
        if service != "object" or method != "execute_kw":
            raise AttributeError(f"unknown service/method {service}.{method}")
        db, uid, key, model, rpc_method = args[:5]
        rpc_args = args[5] if len(args) > 5 else []
        kwargs = args[6] if len(args) > 6 else {}
        entry.update(method=rpc_method, model=model, args=rpc_args, kwargs=kwargs)
        with self._lock:
            self.calls.append(entry)
            delays = self.slow_methods.get(rpc_method)
            delay = delays.pop(0) if delays else 0.0
        if delay:
            time.sleep(delay)
        if db != self.database or not any(u == (key, uid) for u in self.users.values()):
            raise AccessDenied("Access Denied")
        if model not in self.models:
            raise KeyError(model)
        if model in self.denied:
            m = self.models[model]
            raise AccessError(f"You are not allowed to access '{m.description or model}' ({model}) records.\n\n"
                              "This operation is allowed for the following groups:\n\t- Sales/Administrator\n\n"
                              "Contact your administrator to request access if necessary.")
        handler = getattr(self, f"_m_{rpc_method}", None)
        if handler is None:
            raise AttributeError(f"The method '{rpc_method}' does not exist on the model '{model}'")
        return handler(self.models[model], rpc_args, kwargs)

    def _m_fields_get(self, model: Model, args: list, kwargs: dict) -> dict:
        allfields = args[0] if args else kwargs.get("allfields")
        attributes = (args[1] if len(args) > 1 else None) or kwargs.get("attributes")
        out = {}
        for name, meta in model.fields.items():
            if allfields and name not in allfields:
                continue
            out[name] = {k: v for k, v in meta.items() if not attributes or k in attributes}
        return out

    def _select(self, model: Model, domain: list, kwargs: dict) -> list[dict]:
        context = kwargs.get("context") or {}
        recs = list(model.records.values())
        if "active" in model.fields and context.get("active_test", True) is not False \
                and not any(isinstance(t, (list, tuple)) and t[0] == "active" for t in domain):
            recs = [r for r in recs if r.get("active")]
        recs = [r for r in recs if _match(model, r, domain)]
        for fname, desc in reversed(_order(kwargs.get("order") or "id")):
            recs.sort(key=lambda r: _sort_key(r.get(fname)), reverse=desc)
        offset, limit = kwargs.get("offset") or 0, kwargs.get("limit")
        return recs[offset:offset + limit if limit else None]

    def _m_search(self, model: Model, args: list, kwargs: dict) -> list[int]:
        domain = args[0] if args else kwargs.get("domain", [])
        return [r["id"] for r in self._select(model, domain, kwargs)]

    def _m_search_read(self, model: Model, args: list, kwargs: dict) -> list[dict]:
        domain = args[0] if args else kwargs.get("domain", [])
        fields = (args[1] if len(args) > 1 else None) or kwargs.get("fields") or \
            [n for n, m in model.fields.items() if m.get("store")]
        for name in fields:
            if name not in model.fields:
                raise ValueError(f"Invalid field {name!r} on model {model.name!r}")
        lang = (kwargs.get("context") or {}).get("lang") or "en_US"
        out = [{"id": r["id"], **{f: self._read(model, r, f, lang) for f in fields if f != "id"}}
               for r in self._select(model, domain, kwargs)]
        if self.drop_field and self.drop_field[0] == model.name:
            with self._lock:
                mname, fname, after = self.drop_field
                pages = len([c for c in self.calls if c.get("method") == "search_read" and c.get("model") == mname])
                if pages >= after and fname in model.fields:
                    del model.fields[fname]  # a module upgrade removed it: the next page asks for a field gone
        return out

    def _read(self, model: Model, rec: dict, fname: str, lang: str) -> Any:
        meta = model.fields[fname]
        value, ftype = rec.get(fname), meta["type"]
        if fname == "display_name":
            return self._display(model, rec, lang)
        if ftype == "boolean":
            return bool(value)
        if ftype == "integer":
            return int(value or 0)
        if ftype in ("float", "monetary"):
            return float(value or 0.0)
        if ftype in ("many2many", "one2many"):
            return list(value or [])
        if value is None:
            return False
        if ftype == "many2one":
            comodel = self.models.get(meta["relation"])
            target = comodel.records.get(value) if comodel else None
            return [value, self._display(comodel, target, lang) if target else f"{meta['relation']},{value}"]
        if ftype == "datetime":
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if ftype == "date":
            return value.isoformat()
        if isinstance(value, dict) and meta.get("translate"):
            return value.get(lang) or value.get("en_US") or False
        return value

    def _display(self, model: Model, rec: dict, lang: str) -> str:
        value = rec.get(model.rec_name)
        if isinstance(value, dict):
            value = value.get(lang) or value.get("en_US")
        return str(value or "")


def _order(spec: str) -> list[tuple[str, bool]]:
    out = []
    for part in spec.split(","):
        bits = part.strip().split()
        out.append((bits[0], len(bits) > 1 and bits[1].lower() == "desc"))
    return out


def _sort_key(value: Any) -> tuple:
    return (value is None, value if value is not None else 0)


def _coerce(meta: dict, value: Any) -> Any:
    if value is False:
        return None
    if meta["type"] == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value)
    if meta["type"] == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _leaf(model: Model, rec: dict, leaf: Any) -> bool:
    fname, op, value = leaf
    meta = model.fields.get(fname)
    if meta is None:
        raise ValueError(f"Invalid field {model.name}.{fname} in leaf {tuple(leaf)}")
    have = rec.get(fname)
    if meta["type"] in ("integer", "float", "monetary") and have is None and fname != "id":
        have = 0
    want = [_coerce(meta, v) for v in value] if isinstance(value, (list, tuple)) else _coerce(meta, value)
    if op == "=":
        return have == want
    if op == "!=":
        return have != want
    if op == "in":
        return have in want
    if op == "not in":
        return have not in want
    if have is None or want is None:
        return False
    return {">": have > want, ">=": have >= want, "<": have < want, "<=": have <= want}[op]


def _match(model: Model, rec: dict, domain: list) -> bool:
    """Odoo's prefix-notation domain: implicit '&' between top-level terms."""
    stack: list[bool] = []
    for term in reversed(domain):
        if term == "!":
            stack.append(not stack.pop())
        elif term in ("&", "|"):
            a, b = stack.pop(), stack.pop()
            stack.append(a and b if term == "&" else a or b)
        else:
            stack.append(_leaf(model, rec, term))
    return all(stack)
