-- The job of one Airflow DAG run (callbacks find it without XCom), newest first.
SELECT job_id, status FROM ops.sync_jobs
WHERE config->'airflow'->>'dag_id' = %(dag_id)s AND config->'airflow'->>'run_id' = %(run_id)s
ORDER BY started_at DESC
LIMIT 1
