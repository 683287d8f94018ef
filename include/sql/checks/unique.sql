-- Values of ({columns}) held by more than one row: every such row fails.
SELECT (SELECT count(*) FROM {table} WHERE {where}), COALESCE(sum(d.n), 0)::bigint, (array_agg(d.k ORDER BY d.k))[1:20]
FROM (SELECT count(*) AS n, min({key}::text) AS k FROM {table} WHERE {where} AND ({columns}) IS NOT NULL
      GROUP BY {columns} HAVING count(*) > 1) d
