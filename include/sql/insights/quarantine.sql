-- The rows a job quarantined: the offending row as the source sent it and PostgreSQL's error.
SELECT table_name, source_key, column_name, error_message, payload, quarantined_at
FROM ops.quarantine
WHERE sync_job_id = %(job_id)s
ORDER BY table_name, quarantined_at, quarantine_id
LIMIT %(limit)s
