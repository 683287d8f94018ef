-- Foreign keys set in raw that core could not turn into a name.
SELECT count(*), count(*) FILTER (WHERE t.{name_column} IS NULL),
       (array_agg(t.{key}::text ORDER BY t.{key}) FILTER (WHERE t.{name_column} IS NULL))[1:20]
FROM {table} t JOIN {ref_table} r ON r.{ref_key} = t.{key}
WHERE r.{ref_column} IS NOT NULL AND r._deleted_at IS NULL
