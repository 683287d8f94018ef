"""Which failures are worth retrying: a source or the warehouse out of reach, throttling, a busy table.

Everything else (failed checks, configuration, refused drift, SQL errors, a bad row key ...) fails the same
way on every try, so retrying it only delays the alert. The engine decides here; the Airflow layer maps
the answer onto Airflow's retries (``partner_sync.airflow.retries``).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from partner_sync.checks import ChecksFailed
from partner_sync.config import ConfigError
from partner_sync.connection_forms import ConnectionFormError
from partner_sync.database import ConnectionLost, DatabaseUnavailable, is_connection_error
from partner_sync.raw.loader import TableBusy
from partner_sync.raw.schema import DriftRefused
from partner_sync.source_defs import SourceDefinitionError
from partner_sync.sources.rate_limit import BudgetExhausted

# SQLSTATEs that a later try can get past: serialization / deadlock, lock not available, out of
# connections or resources, server shutting down or restarting.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "53000", "53100", "53200", "53300", "57P01", "57P02", "57P03"}


@dataclass(frozen=True)
class Failure:
    """What went wrong, in words a job row and an alert can carry."""

    transient: bool
    kind: str  # unreachable | throttled | busy | checks_failed | configuration | drift_refused | sql_error | error
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"transient": self.transient, "kind": self.kind, "message": self.message}


def _chain(exc: BaseException):
    """The exception and its explicit causes (``raise ... from``), then the implicit context."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)


def _kind(exc: BaseException) -> tuple[bool, str] | None:
    """(transient, kind) when this one exception decides; None when it says nothing either way."""
    if isinstance(exc, (DatabaseUnavailable, ConnectionLost)):  # SourceUnavailable (an API) too
        return True, "unreachable"
    if isinstance(exc, BudgetExhausted):
        return True, "throttled"
    if isinstance(exc, TableBusy):
        return True, "busy"
    if isinstance(exc, ChecksFailed):
        return False, "checks_failed"
    if isinstance(exc, DriftRefused):
        return False, "drift_refused"
    if isinstance(exc, (ConfigError, ConnectionFormError, SourceDefinitionError)):
        return False, "configuration"
    if isinstance(exc, psycopg.Error):
        if is_connection_error(exc):
            return True, "unreachable"
        if getattr(exc, "sqlstate", None) in _TRANSIENT_SQLSTATES:
            return True, "busy"
        return False, "sql_error"
    if isinstance(exc, (ConnectionError, TimeoutError)):  # sockets: refused, reset, timed out
        return True, "unreachable"
    return None


def classify(exc: BaseException) -> Failure:
    """Transient or not, and why; the first exception in the cause chain that decides wins."""
    message = str(exc).strip() or type(exc).__name__
    for link in _chain(exc):
        decided = _kind(link)
        if decided is not None:
            return Failure(decided[0], decided[1], message)
    return Failure(False, "error", message)
