"""Argument types of the ``partner_sync`` commands: bad input is refused by argparse (exit 2, one clear line)
before any connection is opened or any model is loaded."""

from __future__ import annotations

import argparse
import uuid

SEARCH_K_MAX = 1000


def search_k(value: str) -> int:
    """``search --k``: how many results, 1..1000."""
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number between 1 and {SEARCH_K_MAX}, got {value!r}"
                                         ) from None
    if not 1 <= k <= SEARCH_K_MAX:
        raise argparse.ArgumentTypeError(f"must be between 1 and {SEARCH_K_MAX}, got {k}")
    return k


def utf8_text(value: str) -> str:
    """Free text from the shell: argv bytes that are not UTF-8 arrive as surrogates; say so instead of failing
    deep inside the tokenizer or the database driver."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raw = value.encode("utf-8", "surrogateescape")
        raise argparse.ArgumentTypeError(
            f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
            "set a UTF-8 locale or convert the text (iconv -t UTF-8)") from None
    return value


def table_list(value: str) -> list[str]:
    """``--tables a,b``: at least one name; blanks between commas are ignored."""
    names = [t.strip() for t in value.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"needs at least one table name (comma-separated), got {value!r}")
    return names


def positive_days(value: str) -> int:
    """A retention in days: at least 1 (0 would prune everything, including the running jobs' history)."""
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of days, got {value!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 day, got {days}")
    return days


def job_id(value: str) -> str:
    """An ``ops.sync_jobs`` job id (a UUID as ``partner_sync run`` prints it)."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a job id (a UUID such as "
                                         "3f2b8c1e-...; `partner_sync report` lists the newest)") from None
