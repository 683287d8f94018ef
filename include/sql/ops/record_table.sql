-- One table's outcome under config->'stages'->stage->'tables'->table. Mapped tasks load tables in parallel:
-- each UPDATE locks the job row and merges into the newest committed config, so none overwrites another.
UPDATE ops.sync_jobs
SET config = COALESCE(config, '{}'::jsonb) || jsonb_build_object('stages',
        COALESCE(config->'stages', '{}'::jsonb) || jsonb_build_object(%(stage)s::text,
            COALESCE(config#>ARRAY['stages', %(stage)s::text], '{}'::jsonb) || jsonb_build_object('tables',
                COALESCE(config#>ARRAY['stages', %(stage)s::text, 'tables'], '{}'::jsonb)
                || jsonb_build_object(%(table)s::text, %(detail)s::jsonb)))),
    records_processed = records_processed + %(processed)s,
    records_inserted = records_inserted + %(inserted)s,
    records_updated = records_updated + %(updated)s,
    records_failed = records_failed + %(failed)s
WHERE job_id = %(job_id)s
