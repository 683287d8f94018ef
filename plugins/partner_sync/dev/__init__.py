"""Dev tooling: demo source data, the embedded PostgreSQL server, the local Airflow (plain and Celery).

Never imported by the engine or the DAGs (import-linter contract ``dev-tooling-apart``); only the CLI
(``cli*.py``) wires it in, and the tests and benchmarks use it.
"""
