-- Raw batches every transform has already seen (older than the oldest target's commit-order mark, sql/013)
-- and older than the retention: no incremental transform asks for them again.
DELETE FROM ops.raw_batches
WHERE created_at < CURRENT_TIMESTAMP - make_interval(days => %(days)s)
  AND xact_id < (SELECT min(last_xact_id) FROM ops.transform_state)
