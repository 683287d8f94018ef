-- The newest sync job of each source (any type, any outcome), for `partner_sync report`.
SELECT DISTINCT ON (source_system)
       job_id, source_system, job_type, status, started_at, completed_at, records_processed, records_failed,
       error_message
FROM ops.sync_jobs
ORDER BY source_system, started_at DESC
