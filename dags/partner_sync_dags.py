"""partner_sync DAGs: one ``<source>_sync`` DAG per ``include/sources/*.yml``, plus matching and maintenance.

Adding a source is adding a YAML file: the loop below builds its DAG (extract >> raw_load >> transform >>
validate >> embed); ``partner_sync.airflow.dag_factory`` holds how each DAG is built, the engine does the work.
"""

from __future__ import annotations

from partner_sync.airflow.dag_factory import build_maintenance_dag, build_search_dag, build_source_dag, dag_id_for
from partner_sync.config import get_config
from partner_sync.source_defs import load_sources

settings = get_config()
sources = list(load_sources(settings.include_dir).values())

for source in sources:
    globals()[dag_id_for(source.name)] = build_source_dag(source, settings)

if sources:
    # matching whenever a source's embeddings are fresh; weekly reconcile, VACUUM ANALYZE and ops pruning
    search_refresh = build_search_dag(sources, settings)
    partner_sync_maintenance = build_maintenance_dag(sources, settings)
