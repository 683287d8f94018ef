-- Non-NULL values of {column} that do not match the pattern.
SELECT count({column}), count(*) FILTER (WHERE {column} IS NOT NULL AND {column}::text !~ %(pattern)s),
       (array_agg({key}::text || '=' || {column}::text ORDER BY {key})
            FILTER (WHERE {column} IS NOT NULL AND {column}::text !~ %(pattern)s))[1:20]
FROM {table} WHERE {where}
