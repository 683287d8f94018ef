-- Record that one alert (key) of a job was sent; returns a row only the first time (one e-mail per key).
UPDATE ops.sync_jobs
SET config = jsonb_set(COALESCE(config, '{}'::jsonb), '{alerts_sent}',
                       COALESCE(config->'alerts_sent', '{}'::jsonb)
                       || jsonb_build_object(%(key)s::text, to_jsonb(CURRENT_TIMESTAMP)))
WHERE job_id = %(job_id)s::uuid AND NOT COALESCE(config->'alerts_sent', '{}'::jsonb) ? %(key)s::text
RETURNING job_id
