-- Record one stage's outcome under config->'stages'->stage, keeping the other stages' entries.
UPDATE ops.sync_jobs
SET config = jsonb_set(COALESCE(config, '{}'::jsonb), '{stages}',
                       COALESCE(config->'stages', '{}'::jsonb) || jsonb_build_object(%(stage)s::text, %(detail)s::jsonb)),
    records_processed = records_processed + %(processed)s,
    records_inserted = records_inserted + %(inserted)s,
    records_updated = records_updated + %(updated)s,
    records_failed = records_failed + %(failed)s
WHERE job_id = %(job_id)s
