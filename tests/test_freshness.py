"""Freshness deadlines: the YAML value, the arithmetic Airflow's DeadlineAlert and the UI share."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import yaml

from partner_sync.freshness import Deadline, DeadlineError, parse_clock
from partner_sync.source_defs import SourceDefinitionError, load_sources, parse_source

UTC = timezone.utc


def test_clock_values_and_yaml_sexagesimal_trap():
    assert parse_clock("06:00").strftime("%H:%M") == "06:00"
    assert parse_clock("6:30").strftime("%H:%M") == "06:30"
    assert yaml.safe_load("deadline: 6:00")["deadline"] == 360  # unquoted 6:00 is a base-60 integer to PyYAML
    assert parse_clock(360).strftime("%H:%M") == "06:00"
    for bad in ("24:00", "6", "06:60", "", None, "noon", 24 * 60, True):
        with pytest.raises(DeadlineError, match="HH:MM"):
            parse_clock(bad)


def test_offsets_for_daily_schedules():
    d = Deadline.of("0 2 * * *", None)
    assert d.due.strftime("%H:%M") == "06:00"  # the default
    assert d.run_offset == timedelta(hours=4)
    assert d.after_logical_date == timedelta(hours=28)  # logical date = start of the one-day interval
    assert Deadline.of("0 22 * * *", "06:00").run_offset == timedelta(hours=8)  # past midnight
    assert Deadline.of("30 3 * * *", "06:00").run_offset == timedelta(hours=2, minutes=30)
    assert Deadline.of("0 6 * * *", "06:00").run_offset == timedelta(days=1)
    assert d.due_at(date(2026, 5, 4)) == datetime(2026, 5, 4, 6, tzinfo=UTC)
    for cron in ("0 * * * *", "0 2 * * 1", "*/5 2 * * *", "0 25 * * *"):
        with pytest.raises(DeadlineError, match="daily schedule"):
            Deadline.of(cron, "06:00")


def test_verdict_met_missed_and_late():
    d = Deadline.of("0 2 * * *", "06:00")
    now = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    assert d.latest_due(now) == datetime(2026, 5, 4, 6, tzinfo=UTC)
    assert d.latest_due(datetime(2026, 5, 4, 5, 0, tzinfo=UTC)) == datetime(2026, 5, 3, 6, tzinfo=UTC)
    assert d.verdict(datetime(2026, 5, 4, 2, 40), now)["met"] is True  # naive = UTC (ops timestamps)
    assert d.verdict(datetime(2026, 5, 4, 6, 10, tzinfo=UTC), now)["met"] is False  # finished late
    assert d.verdict(datetime(2026, 5, 3, 2, 40, tzinfo=UTC), now)["met"] is False  # yesterday's run only
    assert d.verdict(None, now)["met"] is False
    assert d.verdict(None, now)["next_due"] == "2026-05-05T06:00:00+00:00"


def test_source_yaml_deadline(tmp_path):
    base = {"source": "s", "connection_id": "c", "tables": {"t": {"primary_key": ["id"]}}}
    assert parse_source(base).deadline is None
    assert parse_source({**base, "deadline": "05:30"}).deadline == "05:30"
    assert parse_source({**base, "deadline": 330}).deadline == "05:30"
    with pytest.raises(SourceDefinitionError, match="deadline: expected a UTC time of day HH:MM"):
        parse_source({**base, "deadline": "25:00"})
    from pathlib import Path

    shipped = load_sources(Path(__file__).resolve().parents[1] / "include")
    assert {n: s.deadline for n, s in shipped.items()} == {"odoo": "06:00", "apn": "06:00"}


def test_engine_read_models_import_without_airflow():
    """The insights and freshness modules are engine: importable where Airflow is not."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = ("import sys; import partner_sync.freshness, partner_sync.insights.jobs, partner_sync.insights.quality, "
            "partner_sync.insights.health, partner_sync.source_defs; "
            "assert not [m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')], 'airflow imported'; "
            "assert 'fastapi' not in sys.modules, 'fastapi imported'")
    result = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(root / "plugins"), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_backfill_run_missing_its_deadline_sends_no_email_a_scheduled_one_does(monkeypatch):
    """Backfilling last week must not mail 'missed deadline' per day; the daily run that is late must."""
    import asyncio

    from smtp_sink import SmtpSink

    from partner_sync.airflow.deadlines import alert_unless_backfill

    kwargs = {"to": ["revops@example.com"], "from_email": "airflow@example.com",
              "subject": "missed {{ dag_run.dag_id }}", "html_content": "<p>{{ dag_run.run_id }}</p>"}
    with SmtpSink() as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", sink.connection_uri())
        run = {"dag_id": "odoo_sync", "run_id": "backfill__2026-11-01", "run_type": "backfill"}
        said = asyncio.run(alert_unless_backfill(context={"dag_run": run, "deadline": {}}, **kwargs))
        assert said == "no alert: backfill run" and sink.messages == []
        run = {"dag_id": "odoo_sync", "run_id": "scheduled__2026-11-01", "run_type": "scheduled"}
        said = asyncio.run(alert_unless_backfill(context={"dag_run": run, "deadline": {}}, **kwargs))
        assert said == "alert sent"
        (_, rcpt, msg), = sink.wait_for(1)
        assert rcpt == ["revops@example.com"] and msg["Subject"] == "missed odoo_sync"
