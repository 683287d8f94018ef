-- How many texts a table has, how many need embedding (new, changed, or made by another model), how many are new.
SELECT count(*) AS texts,
       count(*) FILTER (WHERE embedding_id IS NULL OR no_vector OR stored_hash IS DISTINCT FROM text_hash
                              OR stored_model IS DISTINCT FROM %(model)s) AS pending,
       count(*) FILTER (WHERE embedding_id IS NULL) AS new
FROM ({state}) s
