"""Odoo field metadata (``fields_get``) -> the PostgreSQL type the raw mirror uses, and RPC values -> Python.

The types are the ones the database mode discovers for the same columns (``format_type`` spelling), so a
table keeps its raw types whichever way it is read. The exceptions, all documented in docs/api_sources.md:

* translatable char/text/html: the database stores jsonb ``{"en_US": ...}``; the API returns one language
  (the ``lang`` of the connection) -> ``text``.
* many2many: the database keeps a relation table; the API returns the id list -> ``jsonb`` array.
* one2many (the inverse many2one lives on the other table) and binary (attachments) are not mirrored.

Odoo's read format: ``False`` stands for an empty value of every non-boolean field, many2one is
``[id, "display name"]``, many2many/one2many are id lists, date is ``"YYYY-MM-DD"`` and datetime
``"YYYY-MM-DD HH:MM:SS"`` in UTC (seconds; the database keeps microseconds).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Callable

from partner_sync.contracts import Column

# fields_get attributes discovery asks for (Odoo returns only these, which keeps the payload small)
ATTRIBUTES = ["type", "string", "relation", "required", "store", "translate", "size", "digits", "readonly"]

# Stored field types that are no column of their model's table.
NOT_MIRRORED = {
    "one2many": "one2many: the inverse many2one is mirrored on the related model's table",
    "binary": "binary: file content (ir_attachment), not mirrored",
}

_SIMPLE = {
    "integer": "integer",
    "many2one": "integer",
    "many2one_reference": "integer",
    "boolean": "boolean",
    "monetary": "numeric",
    "date": "date",
    "datetime": "timestamp without time zone",
    "selection": "character varying",
    "reference": "character varying",
    "text": "text",
    "html": "text",
    "json": "jsonb",
    "properties": "jsonb",
    "properties_definition": "jsonb",
    "many2many": "jsonb",
}


def pg_type(name: str, meta: dict) -> str | None:
    """The raw column type for one ``fields_get`` entry; None when the field is not mirrored."""
    ftype = meta.get("type")
    if ftype in NOT_MIRRORED:
        return None
    if name == "id":
        return "integer"
    if ftype == "char":
        if meta.get("translate"):
            return "text"
        size = meta.get("size")
        return f"character varying({int(size)})" if isinstance(size, int) and size > 0 else "character varying"
    if ftype == "float":
        return "numeric" if meta.get("digits") else "double precision"
    if ftype in ("text", "html") and meta.get("translate"):
        return "text"
    return _SIMPLE.get(ftype, "text")


def skip_reason(name: str, meta: dict) -> str | None:
    """Why a field is not mirrored (not stored, or no column), or None."""
    if name == "id":
        return None
    if not meta.get("store", True):
        return "not stored (computed or related field)"
    return NOT_MIRRORED.get(meta.get("type"))


def reported(meta: dict) -> bool:
    """Whether a skipped field is listed among a table's excluded columns: only those that can be columns
    in the database (binary without attachment); computed and one2many fields are no columns anywhere."""
    return meta.get("type") == "binary" and meta.get("store", True)


def column(name: str, meta: dict, override: str | None = None) -> Column:
    ftype = meta.get("type", "?")
    relation = f"({meta['relation']})" if meta.get("relation") else ""
    return Column(name, override or pg_type(name, meta) or "text",
                  nullable=not (name == "id" or meta.get("required")), source_type=f"odoo:{ftype}{relation}")


def meta_of(col: Column) -> dict:
    """The Odoo type a discovered column came from (``source_type`` ``odoo:many2one(res.partner)``)."""
    text = col.source_type or ""
    ftype = text[5:].split("(", 1)[0] if text.startswith("odoo:") else ""
    return {"type": ftype or ("integer" if col.name == "id" else "char")}


def _date(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value
    return date.fromisoformat(str(value)[:10])


def _datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if hasattr(value, "value"):  # xmlrpc.client.DateTime (Odoo itself sends strings)
        return datetime.strptime(value.value, "%Y%m%dT%H:%M:%S")
    return datetime.fromisoformat(str(value).replace("T", " "))


def _many2one(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return int(value[0]) if value else None
    return int(value)


def _ids(value: Any) -> str:
    return json.dumps([int(v) for v in value] if isinstance(value, (list, tuple)) else value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "integer": int, "many2one_reference": int, "many2one": _many2one, "monetary": lambda v: v,
    "float": lambda v: v, "date": _date, "datetime": _datetime, "many2many": _ids,
    "json": _json, "properties": _json, "properties_definition": _json,
}


def converter(meta: dict, data_type: str) -> Callable[[Any], Any]:
    """Value converter for one field: Odoo's ``False`` -> None (booleans stay booleans)."""
    ftype = meta.get("type")
    if ftype == "boolean":
        return lambda v: None if v is None else bool(v)
    inner = _CONVERT.get(ftype)
    if inner is None:
        inner = _json if data_type == "jsonb" else _text
    if data_type == "jsonb" and ftype not in ("many2many", "json", "properties", "properties_definition"):
        inner = _json

    def convert(value: Any) -> Any:
        if value is False or value is None:
            return None
        return inner(value)

    return convert
