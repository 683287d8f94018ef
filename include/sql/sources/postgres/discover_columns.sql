-- Every column of the listed tables with its exact type. Enums become text and domains their base
-- type, because the warehouse does not have the source's own types.
SELECT c.relname AS table_name,
       a.attname AS column_name,
       a.attnum AS position,
       CASE WHEN t.typtype = 'e' THEN 'text'
            WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
            WHEN t.typtype IN ('b', 'r', 'm') OR t.typcategory = 'A' THEN format_type(a.atttypid, a.atttypmod)
            ELSE 'text' END AS data_type,
       format_type(a.atttypid, a.atttypmod) AS source_type,
       NOT a.attnotnull AS nullable
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
WHERE n.nspname = %(schema)s
  AND c.relname = ANY(%(tables)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
