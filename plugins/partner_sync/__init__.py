"""partner_sync: Odoo + APN into one PostgreSQL + pgvector warehouse.

The engine lives here and imports without Airflow; ``partner_sync.airflow`` holds the thin
Airflow wrappers (hooks, operators, DAG factory).
"""

__version__ = "0.1.0"
