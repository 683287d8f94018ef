"""Thin Airflow wrappers around the engine: connection resolution and the per-source DAG factory.

Only this subpackage imports Airflow; ``import partner_sync`` (and every engine module) never does.
The names below are loaded lazily so ``import partner_sync.airflow`` itself stays cheap.

Every module here uses absolute imports only: when ``plugins/`` is Airflow's plugins folder, Airflow's
plugin loader executes each ``.py`` file under it as a stand-alone top-level module.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_source_dag", "task_settings"]


def __getattr__(name: str) -> Any:
    if name == "build_source_dag":
        from partner_sync.airflow import dag_factory

        return getattr(dag_factory, name)
    if name == "task_settings":
        from partner_sync.airflow import connections

        return getattr(connections, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
