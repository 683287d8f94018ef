-- The job an Airflow DAG run opened (the DAG-run view of the source DAGs).
SELECT job_id FROM ops.sync_jobs
WHERE config->'airflow'->>'dag_id' = %(dag_id)s AND config->'airflow'->>'run_id' = %(run_id)s
ORDER BY COALESCE(started_at, created_at) DESC
LIMIT 1
