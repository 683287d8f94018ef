-- One JSON column of the staged rows with its secret-looking keys masked, before the upsert writes raw.
-- %(loose)s is a cheap superset of the key pattern run on the whole text first, so rows without such a key
-- are neither parsed nor rewritten (a json column keeps its exact text unless something was masked).
UPDATE {stage} AS s
SET {col} = m.masked::{col_type}
FROM (
    SELECT ctid AS row_id, pg_temp.partner_sync_mask_json({col}::jsonb, %(pattern)s) AS masked, {col}::jsonb AS was
    FROM {stage}
    WHERE {col} IS NOT NULL AND {col}::text ~* %(loose)s
) AS m
WHERE s.ctid = m.row_id AND m.masked IS DISTINCT FROM m.was
