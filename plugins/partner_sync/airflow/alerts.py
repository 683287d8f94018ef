"""Alert callbacks of the DAGs: one e-mail per failed run stage after its last try (none on retries),
and, with ``PARTNER_SYNC_ALERT_ON_FIRST_FAILURE``, one on the first failure of a run. The messages and
their sending live in ``alert_email``; ``partner_sync alerts test`` checks the connection."""

from __future__ import annotations

from typing import Any

from partner_sync.config import Settings

# Subject of a final failure (kept by AlertFacts.subject): "[partner_sync] <dag>.<task> failed (try N)".


def failure_callbacks(settings: Settings) -> list[Any]:
    """The on_failure_callback list: the e-mail notifier when recipients are configured."""
    if not settings.alert_emails:
        return []
    from partner_sync.airflow.alert_email import AlertNotifier

    return [AlertNotifier(settings)]


def retry_callbacks(settings: Settings) -> list[Any]:
    """The on_retry_callback list: an e-mail on a run's first failure, when PARTNER_SYNC_ALERT_ON_FIRST_FAILURE."""
    if not (settings.alert_emails and settings.alert_on_first_failure):
        return []
    from partner_sync.airflow.alert_email import AlertNotifier

    return [AlertNotifier(settings, retrying=True)]
