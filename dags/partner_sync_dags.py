"""partner_sync DAGs (Airflow): one ``<source>_sync`` DAG per ``include/sources/*.yml``.

Thin on purpose: the DAGs are built by ``partner_sync.airflow.dag_factory``; adding a source is adding
a YAML file. Airflow puts ``plugins/`` on sys.path; the fallback below covers a plain DagBag load.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import partner_sync  # noqa: F401
except ImportError:  # e.g. DagBag("dags") in a process that did not add plugins/ to sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from partner_sync.airflow.dag_factory import build_all_dags  # noqa: E402

globals().update(build_all_dags())
