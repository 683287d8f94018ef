"""Reproducibility primitives: one RNG per (seed, table, row), a fixed clock, scrambled-but-unique ids.

Every row is generated from its own ``random.Random`` derived from (seed, stream name, row index), so
any row can be recomputed on demand by another table (an ACE twin re-derives its Odoo lead) and the
order or size of COPY chunks can never change the data. Nothing reads the wall clock.
"""

from __future__ import annotations

import math
import random
import zlib
from datetime import datetime, timedelta, timezone

# All dates are this anchor minus random offsets (naive UTC for Odoo, aware UTC for ACE).
ANCHOR = datetime(2026, 6, 30, 17, 0, 0)
ANCHOR_DATE = ANCHOR.date()
UTC = timezone.utc


def rng(seed: int, stream: str, index: int) -> random.Random:
    """The RNG of row ``index`` of ``stream``: independent of every other row and of chunking."""
    return random.Random((seed * 2_147_483_659 + zlib.crc32(stream.encode())) * 4_294_967_311 + index)


class AffinePermutation:
    """A bijection of ``range(n)`` (i -> (a*i + b) mod n): spreads rows over groups without a lookup table."""

    def __init__(self, n: int, seed: int, stream: str):
        self.n = max(1, n)
        r = rng(seed, "perm:" + stream, 0)
        a = max(1, int(self.n * 0.6180339887)) + r.randrange(7)
        while math.gcd(a, self.n) != 1:
            a += 1
        self.a, self.b = a % self.n or 1, r.randrange(self.n)

    def __call__(self, i: int) -> int:
        return (self.a * i + self.b) % self.n


def scrambled(i: int, modulus: int, multiplier: int, offset: int) -> int:
    """``i`` mapped injectively into ``range(modulus)`` (multiplier must be coprime with modulus)."""
    return (i * multiplier + offset) % modulus


def before_anchor(r: random.Random, max_days: float, min_days: float = 0.0) -> datetime:
    """A naive UTC timestamp between ``max_days`` and ``min_days`` before the anchor, whole seconds."""
    return ANCHOR - timedelta(seconds=int(r.uniform(min_days, max_days) * 86400))


def aware(ts: datetime) -> datetime:
    """The same instant as an aware UTC datetime (timestamptz columns)."""
    return ts.replace(tzinfo=UTC)

