"""APN funding through the AWS Partner Central Benefits API (boto3 ``partnercentral-benefits``).

Benefit applications (MAP, MDF, POC credits and cash: ``ListBenefitApplications`` / ``GetBenefitApplication``)
and the allocations AWS grants for them (``ListBenefitAllocations`` / ``GetBenefitAllocation``: fulfillment
CREDITS / CASH / ACCESS, status, allocated / issued / disbursed amounts) land in ``raw.apn_benefit_application``
and ``raw.apn_benefit_allocation``, keyed on ``(catalog, id)``. The columns are the members of the Get
operations' output shapes in botocore's service model (snake_case), so every field the API sends is kept;
structures and lists are JSONB.

Neither list operation filters or sorts by a date, so a run is a full list with change detection:

* applications: every page of ``ListBenefitApplications`` (100 per page); ``GetBenefitApplication`` only for
  an application raw does not hold yet or whose listed ``UpdatedAt`` differs from the stored one;
* allocations: every page of ``ListBenefitAllocations``; the summary has no ``UpdatedAt``, so
  ``GetBenefitAllocation`` for a new allocation, an ``ACTIVE`` one (its amounts move while credits are
  issued and cash is paid out) and one whose listed status, status reason or expiry changed.

The requests go through the Selling reader's ``_call``: the same token-bucket limiter, backoff on throttling
and per-run request budget (the account's read quota is shared). A budget stop (or a quota AWS keeps
throttling) ends the table cleanly with what was fetched: nothing is lost, because everything not fetched
still differs from raw and is fetched by the next run. Partner Central has no delete (a withdrawn application
is ``CANCELED``), so raw rows are never marked deleted.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

from psycopg import sql

from partner_sync.logs import kv
from partner_sync.contracts import Column, TableSchema, Window
from partner_sync.sources.aws_client import service_client
from partner_sync.sources.rate_limit import BudgetExhausted

if TYPE_CHECKING:
    from partner_sync.sources.partner_central import PartnerCentralReader

log = logging.getLogger(__name__)
SERVICE = "partnercentral-benefits"
PAGE_SIZE = 100  # MaxResults of both list operations: 1..100
KEY = ("catalog", "id")
CURSOR = "updated_at"
# table -> (list operation, its result key, get operation)
TABLES: dict[str, tuple[str, str, str]] = {
    "benefit_application": ("ListBenefitApplications", "BenefitApplicationSummaries", "GetBenefitApplication"),
    "benefit_allocation": ("ListBenefitAllocations", "BenefitAllocationSummaries", "GetBenefitAllocation"),
}
_SCALARS = {"string": "text", "timestamp": "timestamp with time zone", "integer": "bigint", "long": "bigint",
            "boolean": "boolean", "double": "double precision", "float": "double precision"}


@lru_cache(maxsize=1)
def service_model() -> Any:
    """botocore's own ``partnercentral-benefits`` model (raises if this botocore does not ship it)."""
    import botocore.session

    return botocore.session.get_session().get_service_model(SERVICE)


@lru_cache(maxsize=4)
def table_columns(table: str) -> tuple[tuple[str, str, str], ...]:
    """(column, raw type, API member) for every member of the table's Get output shape, in model order."""
    from botocore import xform_name

    shape = service_model().operation_model(TABLES[table][2]).output_shape
    out = []
    for member, mshape in shape.members.items():
        out.append((xform_name(member), _SCALARS.get(mshape.type_name, "jsonb"), member))
    return tuple(out)


def schema_for(table: str, column_types: dict[str, str] | None = None) -> TableSchema:
    column_types = column_types or {}
    cols = [Column(name, column_types.get(name, kind), name not in KEY) for name, kind, _ in table_columns(table)]
    return TableSchema(table, cols, KEY, CURSOR)


def _json(value: Any) -> str | None:
    if value is None or value == [] or value == {}:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return _utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def flatten(table: str, response: dict) -> dict[str, Any]:
    """A Get response -> one raw row: scalars as they are, structures and lists as JSON text."""
    row: dict[str, Any] = {}
    for column, kind, member in table_columns(table):
        value = response.get(member)
        row[column] = _json(value) if kind == "jsonb" else value
    return row


def _summary_changed(table: str, summary: dict, stored: tuple | None) -> bool:
    """Does this listed item need a Get? (new, or changed as far as the list can tell)"""
    if stored is None:
        return True
    if table == "benefit_application":
        listed = summary.get("UpdatedAt")
        return listed is None or stored[0] is None or _utc(listed) != _utc(stored[0])
    status, reason, expires = stored
    listed_expiry = summary.get("ExpiresAt")
    return (status == "ACTIVE" or summary.get("Status") != status or summary.get("StatusReason") != reason
            or (_utc(listed_expiry) if listed_expiry else None) != (_utc(expires) if expires else None))


_STORED_SQL = {
    "benefit_application": "SELECT id, updated_at FROM {} WHERE catalog = %s AND _deleted_at IS NULL",
    "benefit_allocation": "SELECT id, status, status_reason, expires_at FROM {} WHERE catalog = %s "
                          "AND _deleted_at IS NULL",
}


def stored_state(wh: Any, reader: "PartnerCentralReader", table: str) -> dict[str, tuple]:
    """What raw holds for this catalog (id -> the fields change detection compares); empty before the first load."""
    raw = sql.Identifier("raw", reader.source.raw_table(table))
    if wh.execute("SELECT to_regclass(%s)", (raw.as_string(wh),)).fetchone()[0] is None:
        return {}
    rows = wh.execute(sql.SQL(_STORED_SQL[table]).format(raw), (reader.catalog,)).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def in_window(summary: dict, window: Window) -> bool:
    """A backfill (data interval) reads the items created/updated inside it; other runs read every change."""
    if window.reason != "data interval":
        return True
    when = summary.get("UpdatedAt") or summary.get("CreatedAt")
    if when is None:
        return True
    when = _utc(when)
    lower_ok = window.lower is None or (when >= _utc(window.lower) if window.lower_inclusive else when > _utc(window.lower))
    return lower_ok and (window.upper is None or when < _utc(window.upper))


def rows(reader: "PartnerCentralReader", table: str, window: Window, stored: dict[str, tuple] | None,
         notes: dict) -> Iterator[dict[str, Any]]:
    """Changed items of one Benefits table, each fetched with its Get operation, within the quota."""
    list_op, result_key, get_op = TABLES[table]
    client = reader.benefits_client
    stored = stored or {}
    notes.update(pages=0, listed=0, fetched=0, unchanged=0, change_detection=f"{len(stored)} stored in raw")
    token: str | None = None
    not_fetched = 0
    try:
        while True:
            if not reader.budget.can_afford(1):
                raise BudgetExhausted(f"request budget of {reader.budget.limit} spent")
            page = reader._call(list_op, client=client, Catalog=reader.catalog, MaxResults=PAGE_SIZE,
                                **({"NextToken": token} if token else {})) or {}
            notes["pages"] += 1
            summaries = page.get(result_key) or []
            for n, summary in enumerate(summaries):
                notes["listed"] += 1
                if not in_window(summary, window) or not _summary_changed(table, summary, stored.get(summary["Id"])):
                    notes["unchanged"] += 1
                    continue
                if not reader.budget.can_afford(1):
                    not_fetched = 1 + sum(1 for s in summaries[n + 1:]
                                          if _summary_changed(table, s, stored.get(s["Id"])))
                    raise BudgetExhausted(f"request budget of {reader.budget.limit} spent")
                got = reader._call(get_op, client=client, Catalog=reader.catalog, Identifier=summary["Id"])
                if got is None:  # gone between list and get
                    log.warning(kv("apn.vanished", table=table, catalog=reader.catalog, id=summary["Id"]))
                    continue
                notes["fetched"] += 1
                yield flatten(table, got)
            token = page.get("NextToken")
            if not token:
                break
    except BudgetExhausted as exc:
        notes.update(stopped=str(exc), deferred=not_fetched,
                     resume="the next run lists again and fetches every item that still differs from raw")
        log.warning(kv("apn.budget_stop", table=table, catalog=reader.catalog, reason=exc,
                       requests=reader.budget.used, fetched=notes["fetched"]))
    notes["requests"] = reader.budget.used


def make_client(conn: Any, timeout: float = 60.0) -> Any:
    """A partnercentral-benefits client with the Selling client's settings (botocore retries off)."""
    return service_client(SERVICE, conn, timeout)
