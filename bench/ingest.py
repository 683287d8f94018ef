"""`make bench` (ingestion): the real load path against a bare COPY of the same rows, same server, same run.

Targets (issue: ingestion): full load >= 50% of the bare COPY rate; incremental with 1% changed rows
<= 5% of the full load's time; no-change run <= 2%; peak RSS < 500 MB at 1M rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql
from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from partner_sync.dev.embedded import create_database  # noqa: E402
from partner_sync.config import load_settings  # noqa: E402
from partner_sync.dev.embedded import EmbeddedServer  # noqa: E402
from partner_sync.migrations import migrate, migration_params  # noqa: E402
from partner_sync.pipeline import run_source  # noqa: E402
from partner_sync.source_defs import parse_source  # noqa: E402

KINDS = [  # (count, type, expression of g and i)
    (40, "integer", "(g * {i}) % 100000"),
    (40, "character varying(64)", "'val ' || ((g + {i}) % 5000)"),
    (25, "numeric(12,2)", "round(((g * {i}) % 100000) / 7.0, 2)"),
    (15, "double precision", "(g * {i}) / 13.0"),
    (20, "boolean", "(g + {i}) % 3 = 0"),
    (15, "timestamp without time zone", "TIMESTAMP '2025-01-01' + ((g + {i}) % 1000) * interval '1 hour'"),
    (10, "date", "DATE '2025-01-01' + (g + {i}) % 700"),
    (5, "jsonb", "jsonb_build_object('k', g, 'i', {i})"),
    (8, "text", "md5((g + {i})::text)"),
]


def columns_sql() -> str:
    cols, i = [], 0
    for count, typ, expr in KINDS:
        for _ in range(count):
            i += 1
            cols.append(f"({expr.format(i=i)})::{typ} AS c{i:03d}")
    return ",\n       ".join(cols)


def make_source(url: str, table: str, rows: int) -> None:
    text = (Path(__file__).parent / "crm_lead_shape.sql").read_text()
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(text.format(table=table, rows=rows, columns=columns_sql()))
        c.execute(f"VACUUM ANALYZE {table}")


def recreate(admin: str, name: str) -> str:
    return create_database(admin, name)


def bare_copy(src: str, wh: str, table: str) -> tuple[float, int]:
    """The ceiling: COPY TO -> COPY FROM of the same rows into a plain table, no staging, no upsert."""
    with psycopg.connect(src) as s, psycopg.connect(wh) as w:
        w.execute("DROP TABLE IF EXISTS bare_copy")
        cols = s.execute("SELECT string_agg(format('%%I %%s', attname, format_type(atttypid, atttypmod)), ', ' "
                         "ORDER BY attnum) FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                         (table,)).fetchone()[0]
        w.execute(f"CREATE TABLE bare_copy ({cols})")
        w.commit()
        started, nbytes = time.monotonic(), 0
        with s.cursor().copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as out, \
                w.cursor().copy("COPY bare_copy FROM STDIN (FORMAT BINARY)") as inp:
            for block in out:
                inp.write(block)
                nbytes += len(block)
        w.commit()
        return time.monotonic() - started, nbytes


def settings_for(src: str, wh: str):
    return load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": wh, "AIRFLOW_CONN_ODOO_DB": src, "PARTNER_SYNC_POOL_MIN": "1",
                          "PARTNER_SYNC_POOL_MAX": "2", "PARTNER_SYNC_EMBEDDING_DIM": "8"}, dotenv=False)


def timed_sync(settings, table: str, **kw) -> tuple[float, object]:
    src_def = parse_source({"source": "bench", "connection_id": "odoo_db",
                            "tables": {table: {"primary_key": ["id"], "cursor": "write_date"}}})
    started = time.monotonic()
    _, _, ctx = run_source(settings, src_def, stages=("extract", "raw_load"), **kw)
    return time.monotonic() - started, ctx.loads[0]


def median_sync(settings, table: str, repeats: int, before=None) -> tuple[float, float, float, object]:
    """Median, min and max seconds of ``repeats`` runs (``before(i)`` prepares run i untimed); a single
    run of a few tens of milliseconds swings by a third with whatever else the machine does."""
    times, load = [], None
    for i in range(repeats):
        if before is not None:
            before(i)
        seconds, load = timed_sync(settings, table)
        times.append(seconds)
    return statistics.median(times), min(times), max(times), load


def incremental_rows(src: str, settings, table: str, n: int, full_s: float, repeats: int) -> list[list]:
    """1% changed and no-change runs, with write_date indexed at the source (Odoo has no such index:
    one CREATE INDEX by the source's DBA; the unindexed no-change figure is printed beside)."""
    with psycopg.connect(src, autocommit=True) as c:
        c.execute(f"CREATE INDEX IF NOT EXISTS {table}_write_date ON {table} (write_date)")
        c.execute(f"VACUUM ANALYZE {table}")

    def change_one_percent(i: int) -> None:  # a different 1% each time, each newer than the last watermark
        with psycopg.connect(src, autocommit=True) as c:
            # in the past: the loader quarantines cursor values beyond now + 1 day (issue #14)
            c.execute(f"UPDATE {table} SET c001 = c001 + 1, write_date = date_trunc('day', LOCALTIMESTAMP) - "
                      f"interval '70 days' + ({i * n} + id) * interval '1 second' WHERE id % 100 = {i}")

    incr_s, incr_lo, incr_hi, incr = median_sync(settings, table, repeats, change_one_percent)
    noop_s, noop_lo, noop_hi, noop = median_sync(settings, table, repeats)
    return [
        [f"incremental, 1% changed ({n:,})", f"{incr.updated:,} upd", _spread(incr_s, incr_lo, incr_hi), "", "",
         f"{incr_s / full_s:.1%} of full", _verdict(incr_s / full_s <= 0.05 and incr.updated == n // 100)],
        [f"no-change run ({n:,})", f"{noop.unchanged:,} unch", _spread(noop_s, noop_lo, noop_hi), "", "",
         f"{noop_s / full_s:.1%} of full", _verdict(noop_s / full_s <= 0.02 and noop.updated == 0)],
    ]


def make_enum_source(src: str, table: str, from_table: str) -> None:
    """The same rows plus one enum column (Odoo selection fields often are enums in custom modules): raw
    mirrors it as text, so the source and raw types differ in one column of 183."""
    with psycopg.connect(src, autocommit=True) as c:
        c.execute("DROP TYPE IF EXISTS bench_stage CASCADE")
        c.execute("CREATE TYPE bench_stage AS ENUM ('new', 'qualified', 'won', 'lost')")
        c.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        c.execute(sql.SQL("CREATE TABLE {} AS SELECT *, (ARRAY['new', 'qualified', 'won', 'lost'])[1 + id % 4]"
                          "::bench_stage AS stage FROM {}").format(sql.Identifier(table), sql.Identifier(from_table)))
        c.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (id)").format(sql.Identifier(table)))
        # the cursor as first generated (the plain table's incremental runs moved it): its own runs come later
        c.execute(sql.SQL("UPDATE {} SET write_date = TIMESTAMP '2026-01-01' + (id % 100000) * interval '1 minute'")
                  .format(sql.Identifier(table)))
        c.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))


def validated_rows(src: str, wh: str, settings, n: int, plain_full_s: float, full_repeats: int,
                   repeats: int) -> list[list]:
    """The table with one enum column: full load and incremental, with the path the loader took (issue #14:
    one such column used to send the whole table down the validated text path)."""
    make_enum_source(src, "crm_lead_enum", "crm_lead_shape")
    fulls = []
    for _ in range(full_repeats):
        reset_raw(wh, "crm_lead_enum")
        fulls.append(timed_sync(settings, "crm_lead_enum"))
    full_s, full = statistics.median(f[0] for f in fulls), fulls[-1][1]
    rows = [[f"one enum column: full load ({full.path})", f"{full.inserted:,} ins",
             _spread(full_s, *_range(f[0] for f in fulls)), f"{n / full_s:,.0f}", "",
             f"{full_s / plain_full_s:.2f}x plain full", "(info)"]]
    incr = incremental_rows(src, settings, "crm_lead_enum", n, full_s, repeats)
    return rows + [[f"one enum column: {r[0]}", *r[1:]] for r in incr]


def _spread(median: float, lo: float, hi: float) -> str:
    return f"{median:.3f} ({lo:.3f}-{hi:.3f})"


def rss_child(src: str, wh: str, table: str) -> None:
    """Run in a child process: one full load, its seconds on stdout; the parent reads its peak RSS."""
    print(timed_sync(settings_for(src, wh), table, full_refresh=True)[0])


def reset_raw(wh: str, table: str) -> None:
    """Back to an empty mirror and no watermark, for another first load."""
    with psycopg.connect(wh, autocommit=True) as c:
        c.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier("raw", f"bench_{table}")))
        c.execute("DELETE FROM ops.watermarks WHERE source_system = 'bench' AND table_name = %s", (table,))


def _range(values) -> tuple[float, float]:
    values = list(values)
    return min(values), max(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", 100_000)))
    parser.add_argument("--rss-rows", type=int, default=int(os.environ.get("BENCH_RSS_ROWS", 1_000_000)),
                        help="rows for the peak-RSS run (0 skips it)")
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", 5)),
                        help="runs behind each incremental/no-change median")
    parser.add_argument("--full-repeats", type=int, default=int(os.environ.get("BENCH_FULL_REPEATS", 3)),
                        help="bare COPY / full load pairs behind their medians")
    parser.add_argument("--validated", action=argparse.BooleanOptionalAction, default=True,
                        help="also load the same rows with one enum column (the validated-path case)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        rss_child(*args.child)
        return 0
    admin = EmbeddedServer(ROOT / ".local" / "bench").up()
    src, wh = recreate(admin, "bench_src"), recreate(admin, "bench_wh")
    settings = settings_for(src, wh)
    migrate(wh, settings.sql_dir, migration_params(settings))
    t = time.monotonic()
    make_source(src, "crm_lead_shape", args.rows)
    print(f"generated {args.rows:,} rows x 182 columns in {time.monotonic() - t:.1f}s", file=sys.stderr)

    bares, fulls = [], []
    for _ in range(args.full_repeats):  # interleaved, so both see the same machine
        bares.append(bare_copy(src, wh, "crm_lead_shape"))
        reset_raw(wh, "crm_lead_shape")
        fulls.append(timed_sync(settings, "crm_lead_shape"))
    bare_s, nbytes = statistics.median(b[0] for b in bares), bares[0][1]
    full_s, full = statistics.median(f[0] for f in fulls), fulls[-1][1]
    mb = nbytes / 1e6
    rows = [
        ["bare COPY (ceiling)", f"{args.rows:,}", _spread(bare_s, *_range(b[0] for b in bares)),
         f"{args.rows / bare_s:,.0f}", f"{mb / bare_s:.1f}", "", ""],
        ["full load (partner_sync)", f"{full.inserted:,} ins", _spread(full_s, *_range(f[0] for f in fulls)),
         f"{args.rows / full_s:,.0f}", f"{mb / full_s:.1f}", f"{bare_s / full_s:.0%} of COPY",
         _verdict(bare_s / full_s >= 0.5)],
    ]
    noop_seq_s, lo, hi, _ = median_sync(settings, "crm_lead_shape", args.repeats)
    rows += incremental_rows(src, settings, "crm_lead_shape", args.rows, full_s, args.repeats)
    rows.insert(2, ["no-change, write_date not indexed", "", _spread(noop_seq_s, lo, hi), "", "",
                    f"{noop_seq_s / full_s:.1%} of full", "(info)"])
    if args.validated:
        rows += validated_rows(src, wh, settings, args.rows, full_s, args.full_repeats, args.repeats)
    if args.rss_rows:
        make_source(src, "crm_lead_big", args.rss_rows)
        child = subprocess.run([sys.executable, __file__, "--child", src, wh, "crm_lead_big"], check=True,
                               capture_output=True, text=True)
        big_s = float(child.stdout.split()[-1])  # timed inside the child: no interpreter start-up
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows.append([f"full load of {args.rss_rows:,} rows: peak RSS", f"{args.rss_rows:,}", f"{big_s:.2f}",
                     f"{args.rss_rows / big_s:,.0f}", "", f"{peak_mb:.0f} MB", _verdict(peak_mb < 500)])
        rows += incremental_rows(src, settings, "crm_lead_big", args.rss_rows, big_s, args.repeats)
    headers = ["ingestion", "rows", f"seconds: median (min-max) of {args.full_repeats} full, {args.repeats} others",
               "rows/s", "MB/s", "ratio", "target"]
    print(tabulate(rows, headers=headers, tablefmt="github"))
    return 0


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
