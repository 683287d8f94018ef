-- Append one Airflow try of a task (failed, or a retry that succeeded) to config->'attempts'; the row keeps
-- every try of the run, whatever its status says now. Concurrent mapped tasks each lock the row in turn.
UPDATE ops.sync_jobs
SET config = jsonb_set(COALESCE(config, '{}'::jsonb), '{attempts}',
                       COALESCE(config->'attempts', '[]'::jsonb) || jsonb_build_array(%(attempt)s::jsonb))
WHERE job_id = %(job_id)s
