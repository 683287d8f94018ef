-- Both cosines of every candidate pair in match_pairs, as the run's integer positions of the two opportunities
-- (match_odoo_pos / match_ace_pos): millions of pairs stream back as four numbers each, read as binary COPY
-- rows of fixed size (match/cosines.py): int4, int4, float8, float8, never NULL. A missing embedding gives
-- a NaN cosine.
SELECT op.pos::int4 AS o_pos, ap.pos::int4 AS a_pos,
       coalesce(1 - (oi.embed_vector <=> ai.embed_vector), 'NaN')::float8 AS cos_identity,
       coalesce(1 - (oc.embed_vector <=> ac.embed_vector), 'NaN')::float8 AS cos_project
FROM (SELECT DISTINCT o_id, a_id FROM match_pairs) p
JOIN match_odoo_pos op ON op.id = p.o_id
JOIN match_ace_pos ap ON ap.id = p.a_id
LEFT JOIN search.embeddings oi ON oi.source_table = 'odoo_opportunities' AND oi.embedding_type = 'identity'
                              AND oi.source_id = p.o_id
LEFT JOIN search.embeddings ai ON ai.source_table = 'ace_opportunities' AND ai.embedding_type = 'identity'
                              AND ai.source_id = p.a_id
LEFT JOIN search.embeddings oc ON oc.source_table = 'odoo_opportunities' AND oc.embedding_type = 'context'
                              AND oc.source_id = p.o_id
LEFT JOIN search.embeddings ac ON ac.source_table = 'ace_opportunities' AND ac.embedding_type = 'context'
                              AND ac.source_id = p.a_id
