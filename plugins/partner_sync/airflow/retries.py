"""Airflow retries that fit the failure: the engine's classifier (``partner_sync.failures``) decides.

Transient failures (a source or the warehouse out of reach, throttling, a busy table) are retried after
``PARTNER_SYNC_TASK_RETRY_DELAYS`` (default 5, 10, 20 minutes: the alert comes 35 minutes after the first
failure); everything else fails the task at once. Airflow 3.3's ``retry_policy`` seam carries the decision
and the exact delay of each retry, so the job row can show the real next try time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk.definitions.retry_policy import RetryDecision, RetryPolicy

from partner_sync.failures import Failure, classify


class TransientOnlyRetryPolicy(RetryPolicy):
    """Retry transient failures after the configured delays; fail everything else without retrying."""

    def __init__(self, delays: tuple[float, ...]):
        self.delays = tuple(delays)

    @property
    def retries(self) -> int:
        return len(self.delays)

    def delay_for(self, try_number: int) -> timedelta:
        """The wait before the retry that follows try ``try_number`` (1-based)."""
        if not self.delays:
            return timedelta(0)
        return timedelta(seconds=self.delays[min(max(try_number, 1), len(self.delays)) - 1])

    def decide(self, exception: BaseException, try_number: int) -> tuple[Failure, RetryDecision]:
        failure = classify(exception)
        if not failure.transient:
            return failure, RetryDecision.fail(f"{failure.kind}: not retried (a retry would fail the same way)")
        delay = self.delay_for(try_number)
        return failure, RetryDecision.retry(delay=delay, reason=f"{failure.kind}: retry after {delay}")

    def evaluate(self, exception: BaseException, try_number: int, max_tries: int,
                 context: Any = None) -> RetryDecision:
        return self.decide(exception, try_number)[1]

    def serialize(self) -> dict[str, Any]:
        return {"__type": "partner_sync.TransientOnlyRetryPolicy", "delays": list(self.delays)}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> "TransientOnlyRetryPolicy":
        return cls(tuple(data.get("delays") or ()))


def retry_args(delays: tuple[float, ...]) -> dict[str, Any]:
    """default_args for every partner_sync task: as many retries as delays, each delay set by the policy."""
    policy = TransientOnlyRetryPolicy(delays)
    return {"retries": policy.retries, "retry_delay": policy.delay_for(1), "retry_exponential_backoff": 0,
            "retry_policy": policy}


def will_retry(context: dict[str, Any], exception: BaseException) -> tuple[Failure, timedelta | None]:
    """What Airflow is about to do with this failure of the running task: (failure, delay) when it will retry
    (the same policy decision and Airflow's own try count), (failure, None) when the try is the last."""
    ti = context["ti"]
    task = getattr(ti, "task", None)
    policy = getattr(task, "retry_policy", None)
    try_number = int(getattr(ti, "try_number", 1) or 1)
    max_tries = int(getattr(ti, "max_tries", 0) or 0)
    eligible = max_tries != 0 and try_number <= max_tries  # the API server's own rule (should_retry)
    if isinstance(policy, TransientOnlyRetryPolicy):
        failure, decision = policy.decide(exception, try_number)
        if eligible and decision.action.value == "retry":
            return failure, decision.retry_delay
        return failure, None
    failure = classify(exception)
    return failure, (getattr(task, "retry_delay", None) if eligible else None)
