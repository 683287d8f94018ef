-- Every column of the listed tables (one pg_attribute scan): its exact source type, and what that type is once
-- arrays and domains (recursively) are looked through: kind (typtype: e enum, c composite, b base, r range ...),
-- the resolved type's name (format_type for built-in types, the bare name for a type of an extension or of the
-- user) and whether it is an array. sources/postgres.py (raw_type) turns the last three into the raw column type.
WITH RECURSIVE walk AS (
    SELECT c.relname AS table_name, a.attname AS column_name, a.attnum AS position,
           format_type(a.atttypid, a.atttypmod) AS source_type, NOT a.attnotnull AS nullable,
           a.atttypid AS typ, a.atttypmod AS typmod, false AS is_array, 0 AS depth
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s
      AND c.relname = ANY(%(tables)s)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT w.table_name, w.column_name, w.position, w.source_type, w.nullable,
           CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END,
           CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE w.typmod END,
           w.is_array OR t.typtype <> 'd', w.depth + 1
    FROM walk w
    JOIN pg_type t ON t.oid = w.typ
    WHERE w.depth < 32
      AND (t.typtype = 'd' OR (t.typcategory = 'A' AND t.typelem <> 0 AND NOT w.is_array))
), resolved AS (  -- the deepest step of each column's walk
    SELECT DISTINCT ON (w.table_name, w.column_name)
           w.table_name, w.column_name, w.position, w.source_type, w.nullable, t.typtype::text AS kind,
           CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN format_type(w.typ, w.typmod)
                ELSE t.typname::text END AS resolved,
           w.is_array
    FROM walk w
    JOIN pg_type t ON t.oid = w.typ
    ORDER BY w.table_name, w.column_name, w.depth DESC
)
SELECT table_name, column_name, position, source_type, nullable, kind, resolved, is_array
FROM resolved
ORDER BY table_name, position
