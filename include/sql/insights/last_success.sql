-- When each source last finished a run that landed its data (success or partial).
SELECT source_system, max(completed_at) AS completed_at
FROM ops.sync_jobs
WHERE status IN ('success', 'partial') AND job_type IN ('incremental', 'full_sync')
GROUP BY source_system
