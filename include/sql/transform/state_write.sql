-- Record that a target is derived from every raw batch of a transaction older than %(xact_mark)s (and every
-- core row changed up to %(mark)s) with this template.
INSERT INTO ops.transform_state (target_table, rules_hash, last_ingested_at, last_xact_id, last_job_id, updated_at)
VALUES (%(target)s, %(rules_hash)s, %(mark)s, %(xact_mark)s, %(job_id)s, now())
ON CONFLICT (target_table) DO UPDATE
SET rules_hash = EXCLUDED.rules_hash, last_ingested_at = EXCLUDED.last_ingested_at,
    last_xact_id = EXCLUDED.last_xact_id, last_job_id = EXCLUDED.last_job_id, updated_at = now()
