-- Newest sync jobs, of one source or all (the sync jobs page and GET /ingestion/jobs), or one job by id.
SELECT j.job_id, j.source_system, j.job_type, j.status, j.started_at, j.completed_at,
       round(EXTRACT(EPOCH FROM (COALESCE(j.completed_at, CURRENT_TIMESTAMP) - j.started_at))::numeric, 1) AS seconds,
       j.records_processed, j.records_inserted, j.records_updated, j.records_failed, j.error_message,
       j.error_details, j.config, j.created_at,
       (SELECT count(*) FROM ops.quarantine q WHERE q.sync_job_id = j.job_id) AS quarantined
FROM ops.sync_jobs j
WHERE (%(source)s::text IS NULL OR j.source_system = %(source)s::text)
  AND (%(job_id)s::uuid IS NULL OR j.job_id = %(job_id)s::uuid)
ORDER BY COALESCE(j.started_at, j.created_at) DESC, j.created_at DESC
LIMIT %(limit)s
