-- A key that appears twice in one batch (the source has no unique constraint): name one.
SELECT {key_text} AS key, count(*) FROM {stage} s GROUP BY {pk_s} HAVING count(*) > 1 LIMIT 5
