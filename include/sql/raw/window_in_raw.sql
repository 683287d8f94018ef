-- How many of the window's (key, cursor) pairs raw holds as live rows with exactly those values, and
-- whether the window's newest cursor lies beyond now + tolerance ({beyond}: then the window is staged).
SELECT count(*), {beyond}
FROM jsonb_array_elements(%(pairs)s::jsonb) AS w(e)
JOIN {raw} AS r ON {join}
WHERE r._deleted_at IS NULL
