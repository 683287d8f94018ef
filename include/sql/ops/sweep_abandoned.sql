-- Jobs still 'running' long after they started (or were last retried) lost their process: kill -9, an OOM
-- kill, a lost host. Nothing else will ever close them, and pruning keeps running jobs forever, so they are
-- marked 'abandoned' (prunable like any finished job). Params: seconds (PARTNER_SYNC_JOB_TIMEOUT).
UPDATE ops.sync_jobs j
SET status = 'abandoned',
    completed_at = CURRENT_TIMESTAMP,
    error_message = 'abandoned: still running ' || make_interval(secs => %(seconds)s)::text
                    || ' after its last start; its process is gone (killed, or its host lost)',
    error_details = COALESCE(j.error_details, '{}'::jsonb)
                    || jsonb_build_object('closed_by', 'sweeper', 'timeout_seconds', %(seconds)s)
WHERE j.status = 'running'
  AND GREATEST(j.started_at AT TIME ZONE current_setting('TimeZone'),
               (SELECT max((a->>'at')::timestamptz)
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j.config->'attempts') = 'array'
                                               THEN j.config->'attempts' ELSE '[]'::jsonb END) a))
      < CURRENT_TIMESTAMP - make_interval(secs => %(seconds)s)
RETURNING j.job_id, j.source_system
