-- Each check's outcome over the source's last N jobs that ran checks, oldest first (the trend chart).
WITH runs AS (
    SELECT c.sync_job_id, max(c.executed_at) AS executed_at
    FROM ops.data_quality_checks c JOIN ops.sync_jobs j ON j.job_id = c.sync_job_id
    WHERE j.source_system = %(source)s
    GROUP BY c.sync_job_id
    ORDER BY max(c.executed_at) DESC
    LIMIT %(runs)s
)
SELECT split_part(c.check_description, ': ', 1) AS check_name, c.table_name, c.check_type, r.sync_job_id,
       r.executed_at, c.passed, c.records_checked, c.records_failed, c.failure_details->>'severity' AS severity
FROM runs r JOIN ops.data_quality_checks c ON c.sync_job_id = r.sync_job_id
ORDER BY check_name, r.executed_at, c.executed_at
