-- Drop journal rows older than the retention: checks and quarantine of old jobs first, then the jobs,
-- then lineage by its own timestamp. Watermarks and transform state keep their (nulled) job reference.
WITH old AS (
    SELECT job_id FROM ops.sync_jobs
    WHERE created_at < CURRENT_TIMESTAMP - make_interval(days => %(days)s) AND status <> 'running'
), checks AS (
    DELETE FROM ops.data_quality_checks c USING old WHERE c.sync_job_id = old.job_id RETURNING 1
), quarantine AS (
    DELETE FROM ops.quarantine q USING old WHERE q.sync_job_id = old.job_id RETURNING 1
), lineage AS (
    DELETE FROM ops.transformation_log WHERE transformed_at < CURRENT_TIMESTAMP - make_interval(days => %(days)s)
    RETURNING 1
)
SELECT (SELECT count(*) FROM old), (SELECT count(*) FROM checks), (SELECT count(*) FROM quarantine),
       (SELECT count(*) FROM lineage)
