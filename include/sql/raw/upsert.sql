-- Staged rows into raw: rows whose key exists are rewritten only when a value IS DISTINCT FROM the stored
-- one (or they had been marked deleted), the others inserted, so a rerun of the same batch changes nothing.
-- A join UPDATE plus an anti-join INSERT: cheaper than row-by-row ON CONFLICT on wide rows, and safe because
-- the table's advisory lock admits one writer at a time. The compared lists (r_cmp, s_cmp) hold types without an
-- equality operator (json, point, ...) as their text form.
WITH upd AS (
    UPDATE {raw} AS r
    SET ({cols}) = ROW({s_cols}), _sync_batch_id = %(batch_id)s, _ingested_at = now(), _deleted_at = NULL
    FROM {stage} AS s
    WHERE {join} AND (r._deleted_at IS NOT NULL OR ROW({r_cmp}) IS DISTINCT FROM ROW({s_cmp}))
    RETURNING 1
), ins AS (
    INSERT INTO {raw} ({cols}, _sync_batch_id)
    SELECT {s_cols}, %(batch_id)s FROM {stage} AS s
    WHERE NOT EXISTS (SELECT 1 FROM {raw} AS r WHERE {join})
    RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)
