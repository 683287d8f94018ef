-- Open one sync job for a source run; config carries the run's options and, later, each stage's outcome.
INSERT INTO ops.sync_jobs (source_system, job_type, status, started_at, config)
VALUES (%(source_system)s, %(job_type)s, 'running', CURRENT_TIMESTAMP, %(config)s::jsonb)
RETURNING job_id
