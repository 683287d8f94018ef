"""SIGTERM and Ctrl-C close the run's job as ``failed`` instead of leaving it ``running`` forever.

Only the CLI installs this; Airflow's task runner has its own handling (``airflow.job_state``). A watcher
thread receives the signal (blocked in every other thread) and interrupts the main thread, which unwinds:
the stage journals the interruption and the command exits 143 (SIGTERM) or 130 (Ctrl-C). A main thread
stuck inside a blocking libpq call (a source lock, a dead network) cannot unwind; after a grace period the
watcher closes the open job itself and ends the process, as the signal would have.
"""

from __future__ import annotations

import _thread
import logging
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

log = logging.getLogger(__name__)
GRACE_SECONDS = 5.0
EXIT_CODES = {signal.SIGTERM: 143, signal.SIGINT: 130}
_NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "Ctrl-C (SIGINT)"}

# what to call to close the open job (the stage running now), set by the pipeline while a stage runs
_closers: dict[int, Callable[[str], None]] = {}
_lock = threading.Lock()


class Terminated(BaseException):
    """The process received SIGTERM. A BaseException, like KeyboardInterrupt: ``except Exception`` in the engine
    (a table's failure, a retry) must not swallow it."""


def interruption(exc: BaseException) -> str | None:
    """How the run was stopped (``SIGTERM`` / ``Ctrl-C (SIGINT)``), or None for any other exception."""
    if isinstance(exc, Terminated):
        return _NAMES[signal.SIGTERM]
    if isinstance(exc, KeyboardInterrupt):
        return _NAMES[signal.SIGINT]
    return None


@contextmanager
def closing_on_interrupt(close: Callable[[str], None]) -> Iterator[None]:
    """While the block runs, an interruption that the main thread cannot handle in time calls ``close(how)``."""
    key = id(close)
    with _lock:
        _closers[key] = close
    try:
        yield
    finally:
        with _lock:
            _closers.pop(key, None)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated("interrupted by SIGTERM")


def _watch(grace: float) -> None:
    signum = signal.sigwait(set(EXIT_CODES))
    how = _NAMES[signum]
    _thread.interrupt_main(signum)  # the main thread raises Terminated / KeyboardInterrupt at its next step
    deadline = threading.Event()
    deadline.wait(grace)
    with _lock:
        closers = list(_closers.values())
    for close in closers:  # the main thread is still inside a blocking call: close its job from here
        try:
            close(how)
        except Exception as exc:  # noqa: BLE001 - the exit must happen whatever the warehouse says
            log.error("could not close the interrupted job: %s", exc)
    print(f"partner_sync: interrupted by {how} while waiting on a database; the open job was marked failed",
          file=sys.stderr, flush=True)
    os._exit(EXIT_CODES[signum])


def install(grace: float = GRACE_SECONDS) -> None:
    """Route SIGTERM and SIGINT through the watcher; call in the main thread before any other thread starts."""
    signal.signal(signal.SIGTERM, _raise_terminated)
    signal.pthread_sigmask(signal.SIG_BLOCK, set(EXIT_CODES))
    threading.Thread(target=_watch, args=(grace,), name="partner_sync-signals", daemon=True).start()
