-- Rows whose key the source no longer has: mark, never delete.
UPDATE {raw} r SET _deleted_at = now(), _sync_batch_id = %(batch_id)s
WHERE r._deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM {keys} k WHERE {join})
