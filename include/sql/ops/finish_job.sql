-- Close a sync job: final status, end time and, on failure, the error (passwords already masked).
UPDATE ops.sync_jobs
SET status = %(status)s,
    completed_at = CURRENT_TIMESTAMP,
    error_message = %(error_message)s,
    error_details = %(error_details)s::jsonb
WHERE job_id = %(job_id)s
