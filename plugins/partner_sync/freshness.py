"""Freshness deadlines: by when a source's daily run must have finished (``deadline:`` in its YAML, UTC).

The DAG factory turns a deadline into Airflow's ``DeadlineAlert`` (an offset from the run's logical
date); the UI uses the same arithmetic to say whether today's run made it. Daily schedules only
(``M H * * *``): a deadline is a time of day, which means nothing for an hourly or weekly cron.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

DEFAULT_DEADLINE = "06:00"
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAILY = re.compile(r"^(\d{1,2})\s+(\d{1,2})\s+\*\s+\*\s+\*$")


class DeadlineError(ValueError):
    """A deadline or schedule that cannot be turned into a daily deadline; the message names the fix."""


def parse_clock(value: object, where: str = "deadline") -> time:
    """``"06:00"`` -> ``time(6, 0)`` (UTC); anything else is an error naming ``where``.

    An unquoted ``6:00`` in YAML is the base-60 integer 360 to PyYAML: read back as minutes, 06:00.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        value = f"{value // 60:02d}:{value % 60:02d}"
    text = str(value).strip() if value is not None else ""
    m = _CLOCK.match(text)
    if not m:
        raise DeadlineError(f"{where}: expected a UTC time of day HH:MM (e.g. 06:00), got {value!r}")
    return time(int(m.group(1)), int(m.group(2)))


def daily_start(schedule: str, where: str = "schedule") -> time:
    """The time of day a daily cron (``M H * * *``) fires; other crons have no daily deadline."""
    m = _DAILY.match(schedule.strip())
    if not m or int(m.group(1)) > 59 or int(m.group(2)) > 23:
        raise DeadlineError(f"{where}: a deadline needs a daily schedule 'M H * * *', got {schedule!r}")
    return time(int(m.group(2)), int(m.group(1)))


@dataclass(frozen=True)
class Deadline:
    """A source's daily run starts at ``start`` and must be finished by ``due`` (both UTC times of day)."""

    start: time
    due: time

    @classmethod
    def of(cls, schedule: str, deadline: str | None, where: str = "source") -> "Deadline":
        return cls(daily_start(schedule, f"{where} schedule"),
                   parse_clock(deadline or DEFAULT_DEADLINE, f"{where} deadline"))

    @property
    def run_offset(self) -> timedelta:
        """How long after its start a run may take: 02:00 -> 06:00 is 4 h; 22:00 -> 06:00 is 8 h."""
        start = timedelta(hours=self.start.hour, minutes=self.start.minute)
        due = timedelta(hours=self.due.hour, minutes=self.due.minute)
        return (due - start) % timedelta(days=1) or timedelta(days=1)

    @property
    def after_logical_date(self) -> timedelta:
        """Offset from a scheduled run's logical date (the start of its one-day data interval): the run
        begins when the interval ends, a day later, and must be done ``run_offset`` after that."""
        return timedelta(days=1) + self.run_offset

    def due_at(self, day: date) -> datetime:
        """The deadline of the run that starts on ``day`` (UTC)."""
        start = datetime.combine(day, self.start, tzinfo=timezone.utc)
        return start + self.run_offset

    def latest_due(self, now: datetime) -> datetime:
        """The newest deadline that has passed by ``now`` (what 'is the data fresh?' is judged against)."""
        now = now.astimezone(timezone.utc)
        due = self.due_at(now.date())
        while due > now:
            due -= timedelta(days=1)
        return due

    def verdict(self, last_success: datetime | None, now: datetime) -> dict:
        """Was the newest passed deadline met? ``last_success``: when the newest good run finished."""
        due = self.latest_due(now)
        started = due - self.run_offset
        if last_success is not None and last_success.tzinfo is None:
            last_success = last_success.replace(tzinfo=timezone.utc)
        met = last_success is not None and started <= last_success <= due
        return {"deadline": self.due.strftime("%H:%M") + " UTC", "schedule_start": self.start.strftime("%H:%M") + " UTC",
                "latest_due": due.isoformat(), "last_success": last_success.isoformat() if last_success else None,
                "met": met, "next_due": (due + timedelta(days=1)).isoformat()}
