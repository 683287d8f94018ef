-- Close a job that is still open (running / pending_retry) as failed: Airflow gave up on its run. A job
-- already failed keeps its own, more precise error; a finished one is left alone.
UPDATE ops.sync_jobs
SET status = 'failed',
    completed_at = CURRENT_TIMESTAMP,
    error_message = COALESCE(%(error_message)s, error_message),
    error_details = COALESCE(error_details, '{}'::jsonb) || %(error_details)s::jsonb
WHERE job_id = %(job_id)s AND status IN ('running', 'pending', 'pending_retry')
RETURNING job_id
