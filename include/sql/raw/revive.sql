-- Rows marked deleted whose key is back at the source.
UPDATE {raw} r SET _deleted_at = NULL, _sync_batch_id = %(batch_id)s
FROM {keys} k WHERE r._deleted_at IS NOT NULL AND {join}
