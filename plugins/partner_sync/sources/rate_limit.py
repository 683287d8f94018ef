"""Client-side limits for a shared API quota: a steady request rate and a per-run request budget.

Partner Central's read operations (ListOpportunities, GetOpportunity, GetAwsOpportunitySummary ...) share
10 requests/s and 100,000 requests per rolling 24 h per partner account, with every other tool of the
partner. The limiter keeps this client under its share of the rate; the budget caps one run so a backlog
is worked off over several runs instead of starving the other tools (the run stops cleanly and the next
one resumes from the watermark).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable


class BudgetExhausted(RuntimeError):
    """The run has spent its request budget (or the service keeps throttling): stop cleanly."""


@dataclass
class RateLimiter:
    """Token bucket: at most ``rate`` requests per second on average, bursts of at most ``burst``."""

    rate: float
    burst: float = 1.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("rate must be positive")
        self._tokens = self.burst
        self._last = self.clock()
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        """Block until one request may go."""
        with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                self.sleep(wait)
                self.waited += wait
                self._last = self.clock()
                self._tokens = 1.0
            self._tokens -= 1


@dataclass
class RequestBudget:
    """Requests one run may send; ``spend`` counts, ``can_afford`` asks before a unit of work."""

    limit: int
    used: int = 0

    def can_afford(self, n: int = 1) -> bool:
        return self.used + n <= self.limit

    def spend(self, n: int = 1) -> None:
        self.used += n

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)
