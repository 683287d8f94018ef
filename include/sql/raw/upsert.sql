-- Staged rows into raw: new keys inserted; an existing row rewritten only when a value IS DISTINCT
-- FROM the stored one (or it had been marked deleted), so a rerun of the same batch changes nothing.
WITH up AS (
    INSERT INTO {raw} AS r ({cols}, _sync_batch_id)
    SELECT {cols}, %(batch_id)s FROM {stage}
    ON CONFLICT ({pk}) DO UPDATE
    SET ({cols}) = ROW({excluded_cols}),
        _sync_batch_id = EXCLUDED._sync_batch_id, _ingested_at = now(), _deleted_at = NULL
    WHERE r._deleted_at IS NOT NULL OR ROW({r_cols}) IS DISTINCT FROM ROW({excluded_cols})
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
