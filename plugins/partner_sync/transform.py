"""The transform stage: render include/sql/transform templates into core, one transaction per target.

Set-based SQL does the work (upsert on the source id, ``updated_at`` only when content changed, lineage
rows written by the same statement). Incremental by default: only raw rows of the batches committed since
the last run (in commit order: ops.raw_batches transaction ids, sql/013), plus rows whose referenced
partner/stage/account changed, are re-derived; a changed template rebuilds
its target. A failing template rolls its target back and is traced to the offending source ids.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
from psycopg import sql

from partner_sync.config import ConnSpec, Settings
from partner_sync.database import connect
from partner_sync.logs import kv
from partner_sync.source_defs import SourceDef, TransformDef
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class TransformError(RuntimeError):
    """A template failed; its target is as it was, raw untouched."""


@dataclass
class TargetResult:
    target: str
    template: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    lineage_rows: int = 0
    mode: str = "incremental"
    seconds: float = 0.0


def _texts(include_dir, tdef: TransformDef) -> tuple[str, str | None]:
    main = load_sql(include_dir, f"transform/{tdef.template}")
    try:
        delete = load_sql(include_dir, f"transform/{tdef.template}_delete")
    except FileNotFoundError:
        delete = None
    return main, delete


def rules_for(include_dir, tdef: TransformDef, texts: tuple[str, str | None] | None = None) -> dict[str, str]:
    """Lineage's transformation_rules: the template's name and the sha256 of its text."""
    main, delete = texts or _texts(include_dir, tdef)
    # stripped: Airflow's Jinja rendering drops the final newline, and that must not look like a new template
    digest = hashlib.sha256((main.strip() + "\n--\n" + (delete or "").strip()).encode()).hexdigest()
    return {"template": f"{tdef.template}.sql", "sha256": digest}


def _offending_ids(conn: psycopg.Connection, tdef: TransformDef, text: str, params: dict, limit: int = 20
                   ) -> list[str]:
    """Bisect the driving table's ids to the rows that make the template fail (each try rolled back)."""
    schema, table = tdef.driving_table.split(".", 1)
    ids = [r[0] for r in conn.execute(sql.SQL("SELECT {}::text FROM {} WHERE _deleted_at IS NULL ORDER BY 1").format(
        sql.Identifier(tdef.key), sql.Identifier(schema, table))).fetchall()]

    def fails(subset: list[str]) -> bool:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(text, {**params, "since": EPOCH, "changed": None, "only_ids": subset})
            return False
        except psycopg.Error:
            return True

    found: list[str] = []

    def search(subset: list[str]) -> None:
        if len(found) >= limit or not subset or not fails(subset):
            return
        if len(subset) == 1:
            found.append(subset[0])
            return
        mid = len(subset) // 2
        search(subset[:mid])
        search(subset[mid:])

    search(ids)
    return found


def _missing_raw_tables(conn: psycopg.Connection, template: str) -> list[str]:
    """raw.* tables the template reads that do not exist yet."""
    names = sorted(set(re.findall(r"\braw\.([a-z_][a-z0-9_]*)", template)))
    present = {r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'raw' AND tablename = ANY(%s)", (names,)).fetchall()}
    return [f"raw.{n}" for n in names if n not in present]


_OPTIONAL = re.compile(r"^-- optional (table|columns) (raw\.[a-z_][a-z0-9_]*): (.+)$", re.M)
_META_TYPES = (("_raw_id", "bigint"), ("_ingested_at", "timestamptz"), ("_source_system", "varchar"),
               ("_sync_batch_id", "uuid"), ("_deleted_at", "timestamptz"))


def _optional_inputs(template: str) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """The template's ``-- optional table|columns raw.<table>: col type, ...`` lines: tables (with the columns
    the template reads) or columns of a table that a source may lack, e.g. Odoo's custom AWS module's."""
    return {m.group(2): (m.group(1), [tuple(c.split(None, 1)) for c in m.group(3).split(", ")])
            for m in _OPTIONAL.finditer(template)}


def _with_stand_ins(conn: psycopg.Connection, template: str,
                    optional: dict[str, tuple[str, list[tuple[str, str]]]], missing: list[str]) -> str:
    """The template reading an empty stand-in for each absent optional table, and NULL for each absent
    optional column of a present one (a flattened subquery: no cost to the plan)."""
    for table, (kind, columns) in optional.items():
        if table in missing and kind == "table":
            cols = ", ".join(f"NULL::{t} AS {c}" for c, t in [*columns, *_META_TYPES])
            stand_in = f"(SELECT {cols} WHERE false)"
        else:
            have = {r[0] for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                "AND NOT attisdropped", (table,)).fetchall()}
            absent = [(c, t) for c, t in columns if c not in have]
            if not absent:
                continue
            stand_in = f"(SELECT o.*, {', '.join(f'NULL::{t} AS {c}' for c, t in absent)} FROM {table} o)"
        pattern = re.compile(rf"(?<!')\b{re.escape(table)}\b(?!')")
        template = "\n".join(line if line.lstrip().startswith("--") else pattern.sub(stand_in, line)
                              for line in template.split("\n"))
    return template


def transform_target(conn_spec: ConnSpec | str, include_dir, tdef: TransformDef, *, job_id: uuid.UUID,
                     full: bool = False, lang: str = "en_US", overlap: timedelta = timedelta(minutes=5),
                     texts: tuple[str, str | None] | None = None,
                     extra_params: dict[str, Any] | None = None,
                     optional_tables: frozenset[str] = frozenset()) -> TargetResult:
    """Derive one core target in one transaction.

    ``texts`` (main, delete) are the template texts when the caller already rendered them (Airflow's
    template fields); by default they are read from include/sql/transform. ``optional_tables`` are the raw
    tables of the source's optional tables (YAML ``optional: true``): a target driven by one that is absent
    is skipped with the reason; any other absent input fails the target.
    """
    main, delete = texts or _texts(include_dir, tdef)
    rules = rules_for(include_dir, tdef, (main, delete))
    if extra_params and any(v is not None for v in extra_params.values()):
        # configuration the template reads (odoo.yml ace_id_field): another value must rebuild the target
        rules["sha256"] = hashlib.sha256((rules["sha256"] + json.dumps(extra_params, sort_keys=True)).encode()
                                         ).hexdigest()
    result = TargetResult(tdef.target, tdef.template)
    started = time.monotonic()
    with connect(conn_spec) as conn:
        state = conn.execute(load_sql(include_dir, "transform/state_read"), {"target": tdef.target}).fetchone()
        since_xact = None  # None: every raw row (first run, full, changed template)
        if full or state is None or state[0] != rules["sha256"] or state[1] is None or state[2] is None:
            since, result.mode = EPOCH, ("full" if full else "rebuild" if state else "first")
        else:
            since, since_xact = state[1] - overlap, state[2]
        params = {"since": since, "changed": None, "lang": lang, "only_ids": None, "rules": json.dumps(rules),
                  "ace_id_field": None, **(extra_params or {})}
        missing = _missing_raw_tables(conn, main)
        if tdef.driving_table in missing and tdef.driving_table in optional_tables:
            result.mode = (f"skipped: {tdef.driving_table} is absent (an optional table the source does not have; "
                           "the run's extract stage lists it)")
            log.warning(kv("transform.skipped", target=tdef.target, missing=tdef.driving_table, job=job_id))
            return result
        optional = _optional_inputs(main)
        required = [m for m in missing if optional.get(m, ("",))[0] != "table"]
        if required:
            raise TransformError(f"{tdef.target} cannot be built: {', '.join(required)} not loaded (run a sync of "
                                 f"{', '.join(m.removeprefix('raw.') for m in required)} first); {tdef.target} "
                                 "left as it was")
        main = _with_stand_ins(conn, main, optional, missing)
        delete = _with_stand_ins(conn, delete, optional, missing) if delete else delete
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (tdef.target,))
                # commit order, not clocks: every raw batch of a transaction older than xact_mark is visible from
                # here on; the batches listed next are those the last run could not see (committed since)
                mark, xact_mark = conn.execute("SELECT now(), pg_snapshot_xmin(pg_current_snapshot())").fetchone()
                if since_xact is not None:
                    params["changed"] = conn.execute(load_sql(include_dir, "transform/changed_batches"),
                                                     {"since_xact": since_xact}).fetchone()[0]
                result.inserted, result.updated, result.lineage_rows = conn.execute(main, params).fetchone()
                if delete:
                    result.deleted = conn.execute(delete, params).fetchone()[0]
                    result.lineage_rows += result.deleted
                conn.execute(load_sql(include_dir, "transform/state_write"),
                             {"target": tdef.target, "rules_hash": rules["sha256"], "mark": mark,
                              "xact_mark": xact_mark, "job_id": job_id})
        except psycopg.Error as exc:
            error = str(exc).strip().splitlines()[0]
            conn.rollback()
            bad = _offending_ids(conn, tdef, main, params)
            raise TransformError(
                f"template {tdef.template}.sql failed, {tdef.target} rolled back (raw untouched): {error}; "
                f"offending {tdef.driving_table}.{tdef.key}: {', '.join(bad) if bad else 'not isolated to rows'}"
            ) from None
    result.seconds = round(time.monotonic() - started, 3)
    log.info(kv("transform.target", target=tdef.target, template=tdef.template, mode=result.mode,
                inserted=result.inserted, updated=result.updated, deleted=result.deleted, job=job_id,
                seconds=result.seconds))
    return result


def transform_source(settings: Settings, source: SourceDef, *, job_id: uuid.UUID, full: bool = False,
                     rendered: dict[str, str] | None = None) -> list[TargetResult]:
    """Every target of a source, in the YAML's order (accounts before the opportunities that name them).

    ``rendered`` maps ``<template>`` / ``<template>_delete`` to already rendered SQL (Airflow template fields).
    """
    from partner_sync.source_defs import effective_source

    rendered = rendered or {}
    source = effective_source(settings, source)
    optional = frozenset(f"raw.{source.raw_table(t.name)}" for t in source.tables.values() if t.optional)
    return [transform_target(settings.conn("warehouse_db"), settings.include_dir, tdef, job_id=job_id, full=full,
                             lang=settings.language, overlap=timedelta(minutes=settings.cursor_overlap_minutes),
                             texts=(rendered[tdef.template], rendered.get(f"{tdef.template}_delete"))
                             if tdef.template in rendered else None,
                             extra_params={"ace_id_field": source.ace_id_field}, optional_tables=optional)
            for tdef in source.mode_transforms]


def template_files(include_dir, source: SourceDef) -> dict[str, str]:
    """Template name -> file path relative to include/sql, for Airflow to render through template fields."""
    files = {}
    for tdef in source.transforms:
        for name in (tdef.template, f"{tdef.template}_delete"):
            if (include_dir / "sql" / "transform" / f"{name}.sql").exists():
                files[name] = f"transform/{name}.sql"
    return files


def run_transform_stage(ctx: Any) -> dict[str, Any]:
    """The transform stage (``pipeline.STAGE_FUNCTIONS``); ``ctx.rendered_sql`` carries Airflow-rendered templates."""
    results = transform_source(ctx.settings, ctx.source, job_id=ctx.job_id, full=ctx.full_refresh,
                               rendered=getattr(ctx, "rendered_sql", None))
    return {"targets": {r.target: asdict(r) for r in results},
            "counts": {"processed": sum(r.inserted + r.updated + r.deleted for r in results),
                       "inserted": sum(r.inserted for r in results), "updated": sum(r.updated for r in results)}}
