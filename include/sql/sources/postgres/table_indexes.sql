-- The indexes of the listed tables, as the loader uses them: a unique, non-partial index on plain columns
-- (no INCLUDE) whose columns are the primary key means a batch can never hold a key twice (no duplicate
-- check); a non-partial index led by the cursor column makes a window cheap to read twice (see
-- window_pairs).
SELECT c.relname AS table_name,
       i.indisunique AND i.indnkeyatts = i.indnatts AND NOT (0 = ANY (i.indkey)) AS plain_unique,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) ORDER BY a.attname) AS columns,
       (SELECT a.attname::text FROM pg_attribute a
        WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0]) AS leading_column
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
  AND c.relname = ANY (%(tables)s)
  AND i.indisvalid AND i.indpred IS NULL
