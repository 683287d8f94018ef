-- Rows where {column} is NULL (optionally only where {where} holds), with up to 20 sample keys.
SELECT count(*), count(*) FILTER (WHERE {column} IS NULL),
       (array_agg({key}::text ORDER BY {key}) FILTER (WHERE {column} IS NULL))[1:20]
FROM {table} WHERE {where}
