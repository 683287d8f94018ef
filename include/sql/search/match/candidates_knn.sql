-- One candidate scan: for each query opportunity its {pool} nearest opportunities of the other side by one
-- embedding type (identity: who the customer is; context: the project), as (o_id, a_id). The target's table
-- and type are constants so the planner uses that pair's partial HNSW index. Only the query rows of slice
-- {slice} of {slices} (by a hash of the id): the slices of a scan run on separate connections at once.
SELECT {o_id} AS o_id, {a_id} AS a_id
FROM search.embeddings q
CROSS JOIN LATERAL (
    SELECT t.source_id FROM search.embeddings t
    WHERE t.source_table = {target_table} AND t.embedding_type = {embedding_type}
    ORDER BY t.embed_vector <=> q.embed_vector LIMIT {pool}) n
WHERE q.source_table = {query_table} AND q.embedding_type = {embedding_type}
  AND (hashtext(q.source_id) & 2147483647) % {slices} = {slice}
