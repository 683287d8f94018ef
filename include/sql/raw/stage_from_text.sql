-- The good rows, cast to their raw types, into the typed staging table.
INSERT INTO {stage} ({cols})
SELECT {casts} FROM {tstage} t
WHERE NOT EXISTS (SELECT 1 FROM {bad} b WHERE b._raw_id = t._raw_id)
