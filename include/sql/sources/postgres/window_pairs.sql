-- Key and cursor of each row in this run's window (at most {limit} rows read), to learn whether raw already
-- holds exactly these rows as they are: then nothing is staged. The pairs travel as JSON text (numbers and
-- timestamps exact) and are cast back to the raw column types by window_in_raw.
SELECT count(*), max({cursor})::text, jsonb_agg(jsonb_build_array({pair}))::text,
       COALESCE(bool_or({null_key}), false)
FROM (SELECT {cols} FROM {table} AS s WHERE {window} LIMIT {limit}) AS s
