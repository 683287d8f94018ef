-- One sync job with its stages (config->'stages') and how many rows it quarantined.
SELECT j.job_id, j.source_system, j.job_type, j.status, j.started_at, j.completed_at,
       round(EXTRACT(EPOCH FROM (COALESCE(j.completed_at, CURRENT_TIMESTAMP) - j.started_at))::numeric, 1) AS seconds,
       j.records_processed, j.records_inserted, j.records_updated, j.records_failed, j.error_message,
       j.error_details, j.config, j.created_at,
       (SELECT count(*) FROM ops.quarantine q WHERE q.sync_job_id = j.job_id) AS quarantined
FROM ops.sync_jobs j
WHERE j.job_id = %(job_id)s
