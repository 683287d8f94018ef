-- Reconciliation: the md5 of each row, cast to the raw types, for the next {limit} keys after {after}
-- (keyset pagination on the key; same session settings as the warehouse, so text forms agree).
SELECT {key_cols}, md5(ROW({cast_cols})::text) FROM {table} {after} ORDER BY {key_cols} LIMIT {limit}
