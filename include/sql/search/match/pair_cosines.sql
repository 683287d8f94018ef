-- Both cosines of every candidate pair in match_pairs, and the identity embedding ids the cache rows key on.
SELECT p.o_id, p.a_id, oi.embedding_id AS o_embedding_id, ai.embedding_id AS a_embedding_id,
       1 - (oi.embed_vector <=> ai.embed_vector) AS cos_identity,
       1 - (oc.embed_vector <=> ac.embed_vector) AS cos_project
FROM match_pairs p
LEFT JOIN search.embeddings oi ON oi.source_table = 'odoo_opportunities' AND oi.embedding_type = 'identity'
                              AND oi.source_id = p.o_id
LEFT JOIN search.embeddings ai ON ai.source_table = 'ace_opportunities' AND ai.embedding_type = 'identity'
                              AND ai.source_id = p.a_id
LEFT JOIN search.embeddings oc ON oc.source_table = 'odoo_opportunities' AND oc.embedding_type = 'context'
                              AND oc.source_id = p.o_id
LEFT JOIN search.embeddings ac ON ac.source_table = 'ace_opportunities' AND ac.embedding_type = 'context'
                              AND ac.source_id = p.a_id
