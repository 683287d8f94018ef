-- A task of the run starts again (Airflow retry, or a cleared task): the job is running again, same row.
UPDATE ops.sync_jobs
SET status = 'running', completed_at = NULL, error_message = NULL, error_details = NULL,
    config = CASE WHEN config ? 'airflow' AND jsonb_typeof(config->'airflow') = 'object'
                  THEN jsonb_set(config, '{airflow,try_number}', to_jsonb(%(try_number)s::int)) ELSE config END
WHERE job_id = %(job_id)s AND status IN ('pending_retry', 'failed')
RETURNING job_id
