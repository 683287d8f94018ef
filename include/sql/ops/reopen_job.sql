-- A retried Airflow task of the same run continues that run's job instead of opening another.
UPDATE ops.sync_jobs
SET status = 'running', completed_at = NULL, error_message = NULL, error_details = NULL,
    config = jsonb_set(config, '{airflow,try_number}', to_jsonb(%(try_number)s::int))
WHERE job_id = (SELECT job_id FROM ops.sync_jobs
                WHERE source_system = %(source_system)s AND config->'airflow'->>'dag_id' = %(dag_id)s
                  AND config->'airflow'->>'run_id' = %(run_id)s
                ORDER BY started_at DESC LIMIT 1)
RETURNING job_id
