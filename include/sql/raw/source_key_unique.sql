-- Does the source enforce the key (a unique, non-partial index on exactly these columns)? Then a batch can
-- never hold a key twice and the duplicate check is skipped.
SELECT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = %(table)s::regclass AND i.indisunique AND i.indpred IS NULL
      AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
           WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) = %(columns)s::text[]
      AND i.indnkeyatts = cardinality(%(columns)s::text[])
)
