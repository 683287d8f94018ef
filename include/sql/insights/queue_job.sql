-- A sync asked for through the UI / service API, before Airflow runs it: status pending, the DAG run it
-- belongs to in config->'airflow'. The run's extract task reopens this very job (ops/reopen_job.sql).
INSERT INTO ops.sync_jobs (source_system, job_type, status, started_at, config)
VALUES (%(source_system)s, %(job_type)s, 'pending', CURRENT_TIMESTAMP, %(config)s::jsonb)
RETURNING job_id
