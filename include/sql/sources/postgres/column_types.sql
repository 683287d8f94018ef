-- What each column of the listed tables is once arrays and domains (recursively) are looked through:
-- kind (typtype: e enum, c composite, b base, r range ...), the resolved type's name (format_type for
-- built-in types, the bare name for a type of an extension or of the user) and whether it is an array.
-- sources/postgres.py (source_raw_types) turns this into the raw column type.
WITH RECURSIVE walk AS (
    SELECT c.relname AS table_name, a.attname AS column_name, a.atttypid AS typ, a.atttypmod AS typmod,
           false AS is_array, 0 AS depth
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s
      AND c.relname = ANY(%(tables)s)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT w.table_name, w.column_name,
           CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END,
           CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE w.typmod END,
           w.is_array OR t.typtype <> 'd', w.depth + 1
    FROM walk w
    JOIN pg_type t ON t.oid = w.typ
    WHERE w.depth < 32
      AND (t.typtype = 'd' OR (t.typcategory = 'A' AND t.typelem <> 0 AND NOT w.is_array))
)
SELECT DISTINCT ON (w.table_name, w.column_name)
       w.table_name, w.column_name, t.typtype::text AS kind,
       CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN format_type(w.typ, w.typmod)
            ELSE t.typname::text END AS resolved,
       w.is_array
FROM walk w
JOIN pg_type t ON t.oid = w.typ
ORDER BY w.table_name, w.column_name, w.depth DESC
