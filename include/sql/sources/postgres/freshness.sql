-- freshness check: the newest cursor at the source (before the run's upper bound), and how many source rows
-- are newer than the newest one raw holds ({newer}: TRUE when raw holds none).
SELECT (SELECT max({cursor})::text FROM {table} WHERE {before}),
       (SELECT count(*) FROM {table} WHERE {newer} AND {before})
