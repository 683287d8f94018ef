"""What a stage is asked to do and what it reports back: the frozen run request, the run's live resources,
and the stage result that is journaled. Every stage module imports these; none imports the pipeline."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

from partner_sync.config import Settings
from partner_sync.database import Database
from partner_sync.source_defs import SourceDef

STAGE_STATUSES = ("success", "noop", "failed")


@dataclass(frozen=True)
class RunRequest:
    """One run of one source, fixed when the run starts: the CLI and each Airflow task build it once."""

    source: SourceDef
    job_id: uuid.UUID
    full_refresh: bool = False
    tables: tuple[str, ...] | None = None
    # backfill: read exactly this window; else up to upper_bound (an Airflow run's interval end or run_after)
    data_interval: tuple[Any, Any] | None = None
    upper_bound: Any = None
    # False under Airflow: the task layer sets failed / pending_retry from Airflow's own retry decision
    close_on_failure: bool = True
    # transform templates already rendered by Airflow's template fields (template name -> SQL)
    rendered_sql: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.tables is not None:
            object.__setattr__(self, "tables", tuple(self.tables))
        object.__setattr__(self, "rendered_sql", MappingProxyType(dict(self.rendered_sql or {})))

    @property
    def table_list(self) -> list[str] | None:
        return list(self.tables) if self.tables else None

    @property
    def as_of(self) -> Any:
        """How far this run reads (and the checks look): the window's end, else the upper bound."""
        return self.data_interval[1] if self.data_interval else self.upper_bound

    def with_rendered_sql(self, rendered: Mapping[str, str]) -> "RunRequest":
        return replace(self, rendered_sql=rendered)


class RunResources:
    """What a run works with (not part of the request): settings, the warehouse pool and the run's one source
    reader (``contracts.SourceReader``, any mode), opened on first use and closed with the run: one source
    connection, login or request budget for discovery and every table."""

    def __init__(self, settings: Settings, warehouse: Database, source: SourceDef):
        self.settings = settings
        self.warehouse = warehouse
        self._source = source
        self._reader: Any = None
        self._held = ExitStack()  # the reader, held through sources.readers.reader_for (its one owner)

    @property
    def reader(self) -> Any:
        if self._reader is None:
            from partner_sync.sources.readers import reader_for

            self._reader = self._held.enter_context(reader_for(self.settings, self._source))
        return self._reader

    def close(self) -> None:
        self._reader = None
        self._held.close()

    def __enter__(self) -> "RunResources":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class StageResult:
    """What a stage did: counts (ops.sync_jobs counters), failures (tables / checks), notes (the rest of its
    journal entry). ``error`` is what a failed stage raises once journaled; ``payload`` is handed to the next
    stage in the same process (extract's catalog, raw_load's table loads) and never journaled."""

    stage: str
    status: str = "success"
    counts: Mapping[str, int] = field(default_factory=dict)
    failures: Mapping[str, Any] = field(default_factory=dict)
    notes: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: BaseException | None = field(default=None, compare=False, repr=False)
    payload: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.status not in STAGE_STATUSES:
            raise ValueError(f"stage {self.stage}: status must be one of {', '.join(STAGE_STATUSES)}, "
                             f"got {self.status!r}")

    @property
    def partial(self) -> bool:
        return bool(self.notes.get("partial"))

    @property
    def detail(self) -> dict[str, Any]:
        """The stage's journal entry (ops.sync_jobs.config->'stages'->stage)."""
        detail: dict[str, Any] = {"status": self.status, **self.notes}
        if self.counts:
            detail["counts"] = dict(self.counts)
        detail.update(self.failures)
        detail["seconds"] = self.seconds
        return detail

    def timed(self, seconds: float) -> "StageResult":
        return replace(self, seconds=seconds)

    def failed(self, error: BaseException, seconds: float, transient: bool) -> "StageResult":
        """This result as the stage's failure (what it had done so far, the error, whether a retry can help)."""
        return replace(self, status="failed", error=error, seconds=seconds,
                       notes={**self.notes, "error": str(error), "transient": transient})


@dataclass(frozen=True)
class RunOutcome:
    """A finished run outside Airflow: its job, each stage's result and the job's final status."""

    job_id: uuid.UUID
    results: tuple[StageResult, ...]
    status: str

    @property
    def loads(self) -> list[Any]:
        """raw_load's per-table loads (``raw.loader.TableLoad``), empty when raw_load did not run."""
        return [load for r in self.results if r.stage == "raw_load" for load in (r.payload or [])]
