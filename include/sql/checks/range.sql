-- Non-NULL values of {column} outside [min, max].
SELECT count({column}), count(*) FILTER (WHERE {column} < %(min)s OR {column} > %(max)s),
       (array_agg({key}::text || '=' || {column}::text ORDER BY {key})
            FILTER (WHERE {column} < %(min)s OR {column} > %(max)s))[1:20]
FROM {table} WHERE {where}
