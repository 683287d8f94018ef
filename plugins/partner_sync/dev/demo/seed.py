"""`partner_sync seed-demo`: (re)create the odoo_demo and apn_demo source databases and the twin ground truth.

Both databases are dropped and recreated on every run, so a rerun with the same seed gives
byte-identical tables; a database is only ever dropped when it carries this module's COMMENT marker,
so a real Odoo or any other database with the same name is refused, never touched. Rows stream
from generators straight into COPY: memory does not grow with the scale.
"""

from __future__ import annotations

import csv
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from partner_sync.dev.demo import apn_rows, odoo_aws_rows, odoo_rows, odoo_sales_rows
from partner_sync.dev.demo.apn_schema import APN_TABLES
from partner_sync.dev.demo.apn_schema import create_table as create_apn_table
from partner_sync.dev.demo.apn_schema import post_load as apn_post_load
from partner_sync.dev.demo.odoo_schema import create_table as create_odoo_table
from partner_sync.dev.demo.odoo_schema import odoo_tables
from partner_sync.dev.demo.odoo_schema import post_load as odoo_post_load
from partner_sync.dev.demo.world import Plan

log = logging.getLogger(__name__)

MARKER = "partner_sync demo source"
TRUTH_HEADER = ("odoo_source_id", "ace_source_id")
MAX_SCALE = 4_000_000  # two ACE keys per lead must fit the 9,000,000 seven-digit ids

Rows = Callable[[Plan], Iterator[dict]]
ODOO_ROWS: dict[str, Rows] = {
    "res_country": odoo_rows.res_country, "res_country_state": odoo_rows.res_country_state,
    "res_users": odoo_rows.res_users, "res_partner": odoo_rows.res_partner, "crm_team": odoo_rows.crm_team,
    "crm_stage": odoo_rows.crm_stage, "crm_lead": odoo_rows.crm_lead,
    "product_template": odoo_sales_rows.product_template, "sale_order": odoo_sales_rows.sale_order,
    "sale_order_line": odoo_sales_rows.sale_order_line, "project_project": odoo_sales_rows.project_project,
    "account_move": odoo_sales_rows.account_move, "account_move_line": odoo_sales_rows.account_move_line,
    "c_aws_accounts": odoo_aws_rows.c_aws_accounts, "c_aws_funding_request": odoo_aws_rows.c_aws_funding_request,
    "c_billing_spp_bill": odoo_aws_rows.c_billing_spp_bill, "c_billing_internal_cur": odoo_aws_rows.c_billing_internal_cur,
    "c_billing_bill": odoo_aws_rows.c_billing_bill, "c_billing_bill_line": odoo_aws_rows.c_billing_bill_line,
}
APN_ROWS: dict[str, Rows] = {
    "funding_request": apn_rows.funding_request, "cash_claim": apn_rows.cash_claim,
    "funding_request_history": apn_rows.funding_request_history, "end_user": apn_rows.end_user,
    "users": apn_rows.users,
}  # "opportunity" is written separately: it also produces the ground truth


class DemoSeedError(RuntimeError):
    """The demo could not be seeded (bad arguments, or rows that do not fit the schema)."""


class RefuseToDrop(DemoSeedError):
    """A database with the demo's name exists but was not created by seed_demo: it is left alone."""


@dataclass
class SeedReport:
    odoo_db: str
    apn_db: str
    rows: dict[str, int] = field(default_factory=dict)  # "odoo.crm_lead" -> n
    twin_pairs: int = 0
    truth_path: Path = Path()
    seconds: float = 0.0


def seed_demo(admin_url: str, *, odoo_db: str = "odoo_demo", apn_db: str = "apn_demo", scale: int = 2000,
              seed: int = 42, truth_path: Path) -> SeedReport:
    """Drop/recreate both demo databases, load them, write the ground-truth CSV; same seed -> same bytes."""
    if not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise DemoSeedError(f"scale must be an integer from 1 to {MAX_SCALE:,} (ACE ids have 7 digits), got {scale!r}")
    if not odoo_db or not apn_db or odoo_db == apn_db:
        raise DemoSeedError("odoo_db and apn_db must be two different, non-empty database names")
    started = time.perf_counter()
    plan = Plan(seed, scale)
    report = SeedReport(odoo_db, apn_db, truth_path=Path(truth_path))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in (odoo_db, apn_db):  # refuse before dropping anything
            _check_droppable(admin, name)
        for name in (odoo_db, apn_db):
            _recreate(admin, name)
    with psycopg.connect(_url_for(admin_url, odoo_db)) as conn:
        tables = odoo_tables()
        for table, cols in tables.items():
            conn.execute(create_odoo_table(table, cols))
        for table, rows in ODOO_ROWS.items():
            report.rows[f"odoo.{table}"] = _copy(conn, table, [c.name for c in tables[table]], rows(plan))
        for stmt in odoo_post_load(tables):
            conn.execute(stmt)
    with psycopg.connect(_url_for(admin_url, apn_db)) as conn:
        columns = {t.name: [c.name for c in t.columns] for t in APN_TABLES}
        for t in APN_TABLES:
            conn.execute(create_apn_table(t))
        report.twin_pairs = _copy_opportunities_and_truth(conn, plan, columns["opportunity"], report)
        for table, rows in APN_ROWS.items():
            report.rows[f"apn.{table}"] = _copy(conn, table, columns[table], rows(plan))
        for stmt in apn_post_load():
            conn.execute(stmt)
    for name in (odoo_db, apn_db):
        with psycopg.connect(_url_for(admin_url, name), autocommit=True) as conn:
            conn.execute("ANALYZE")
    report.seconds = round(time.perf_counter() - started, 2)
    log.info("seeded %s + %s (scale %d, seed %d): %d rows, %d twin pairs in %.1fs", odoo_db, apn_db, scale, seed,
             sum(report.rows.values()), report.twin_pairs, report.seconds)
    return report


def _url_for(admin_url: str, dbname: str) -> str:
    return make_conninfo(admin_url, dbname=dbname)


def _check_droppable(admin: psycopg.Connection, name: str) -> None:
    current = admin.execute("SELECT current_database()").fetchone()[0]
    if name == current or name in ("postgres", "template0", "template1"):
        raise RefuseToDrop(f"refusing to use {name!r} as a demo database")
    row = admin.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                        (name,)).fetchone()
    if row is not None and row[0] != MARKER:
        raise RefuseToDrop(f"database {name!r} exists and was not created by seed-demo (no {MARKER!r} comment); "
                           "drop it yourself or choose another name")


def _recreate(admin: psycopg.Connection, name: str) -> None:
    ident = sql.Identifier(name)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(ident))
    admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(MARKER)))


def _copy(conn: psycopg.Connection, table: str, columns: list[str], rows: Iterable[dict]) -> int:
    """COPY rows (dicts; missing columns are NULL) into ``table``; checks the first rows' keys for typos."""
    started = time.perf_counter()
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table),
                                                    sql.SQL(", ").join(map(sql.Identifier, columns)))
    known = frozenset(columns)
    n = 0
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        for row in rows:
            if n < 100 and not known.issuperset(row):
                raise DemoSeedError(f"{table}: generated unknown columns {sorted(set(row) - known)}")
            copy.write_row([row.get(c) for c in columns])
            n += 1
    log.debug("%s: %d rows in %.2fs", table, n, time.perf_counter() - started)
    return n


class _TruthWriter:
    """Receives (lead id, ACE id) pairs while the opportunities stream, and writes them as CSV."""

    def __init__(self, fh):
        self.writer = csv.writer(fh, lineterminator="\n")
        self.writer.writerow(TRUTH_HEADER)
        self.count = 0

    def __call__(self, pair: tuple[int, str]) -> None:
        self.writer.writerow(pair)
        self.count += 1


def _copy_opportunities_and_truth(conn: psycopg.Connection, plan: Plan, columns: list[str], report: SeedReport) -> int:
    """Opportunities in lead order, so the truth file comes out sorted by odoo_source_id without sorting."""
    path = report.truth_path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        truth = _TruthWriter(fh)
        report.rows["apn.opportunity"] = _copy(conn, "opportunity", columns, apn_rows.opportunity(plan, truth))
    os.replace(tmp, path)
    return truth.count

