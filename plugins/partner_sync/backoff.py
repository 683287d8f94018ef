"""One exponential backoff for everything that waits and tries again: the warehouse and source databases
(``database.with_retry``), the API source readers (``sources.base``) and the HTTP embedder.

What counts as transient, and which error is raised once the tries are spent, stays with each caller;
how long to wait, how often, and how the retry is logged is decided here once.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"


@dataclass
class Backoff:
    """``attempts`` retries after the first try, ``base_delay * 2**n`` apart (capped at ``max_delay``,
    optionally jittered to 50-100 %); ``sleep`` is injectable for tests."""

    attempts: int = 3
    base_delay: float = 2.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    jitter: bool = False

    def delay(self, attempt: int) -> float:
        wait = min(self.max_delay, self.base_delay * (2 ** attempt))
        return wait * (0.5 + random.random() / 2) if self.jitter else wait

    def delays(self) -> list[float]:
        return [self.delay(i) for i in range(self.attempts)]

    @classmethod
    def from_settings(cls, settings: Any, **kw: Any) -> "Backoff":
        """PARTNER_SYNC_RETRY_ATTEMPTS / PARTNER_SYNC_RETRY_BASE_DELAY."""
        return cls(attempts=settings.retry_attempts, base_delay=settings.retry_base_delay, **kw)

    def run(self, fn: Callable[[], Any], is_transient: Callable[[BaseException], bool], what: str, *,
            exhausted: Callable[[BaseException, int], BaseException],
            describe: Callable[[BaseException], str] = _first_line) -> Any:
        """``fn()``, retried while ``is_transient(error)``; after the last try raises ``exhausted(error, tries)``.
        ``describe`` renders an error for the retry log line (mask secrets there)."""
        for attempt in range(self.attempts + 1):
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - filtered by is_transient
                if not is_transient(exc):
                    raise
                if attempt == self.attempts:
                    raise exhausted(exc, attempt + 1) from None
                wait = self.delay(attempt)
                log.warning("%s: %s (attempt %d/%d), retrying in %.1fs", what, describe(exc), attempt + 1,
                            self.attempts + 1, wait)
                self.sleep(wait)
        raise AssertionError("unreachable")
