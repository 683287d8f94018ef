-- Every non-null key of the table: the key scan of deletion detection (ids only, an index-only scan).
SELECT {key_cols} FROM {table} AS s WHERE NOT ({null_key})
