-- Remember the source key-set fingerprint this load brought raw in line with.
INSERT INTO ops.watermarks AS w (source_system, table_name, key_count, key_hash, last_job_id, updated_at)
VALUES (%(source_system)s, %(table_name)s, %(key_count)s, %(key_hash)s, %(job_id)s, now())
ON CONFLICT (source_system, table_name) DO UPDATE
SET key_count = EXCLUDED.key_count, key_hash = EXCLUDED.key_hash, updated_at = now()
