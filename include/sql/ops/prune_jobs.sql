-- The old jobs themselves, once nothing references them any more.
DELETE FROM ops.sync_jobs j
WHERE j.created_at < CURRENT_TIMESTAMP - make_interval(days => %(days)s) AND j.status <> 'running'
  AND NOT EXISTS (SELECT 1 FROM ops.data_quality_checks c WHERE c.sync_job_id = j.job_id)
  AND NOT EXISTS (SELECT 1 FROM ops.quarantine q WHERE q.sync_job_id = j.job_id)
