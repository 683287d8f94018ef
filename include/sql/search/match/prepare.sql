-- Both sides' evidence as indexed temp tables for one direction (match_q: query side, match_t: targets).
-- A domain or AWS account that more than 3 differently named target companies share (test.com, a
-- partner's payer account) identifies nobody: it is marked unspecific and never counts as evidence.
CREATE TEMP TABLE match_q ON COMMIT DROP AS {q_features};
CREATE TEMP TABLE match_t ON COMMIT DROP AS
WITH f AS ({t_features})
SELECT f.*, COALESCE(d.companies <= 3, false) AS domain_specific, COALESCE(a.companies <= 3, false) AS account_specific
FROM f
LEFT JOIN (SELECT domain, count(DISTINCT company) AS companies FROM f GROUP BY domain) d ON d.domain = f.domain
LEFT JOIN (SELECT aws_account, count(DISTINCT company) AS companies FROM f GROUP BY aws_account) a
       ON a.aws_account = f.aws_account;
CREATE INDEX ON match_q (source_id);
CREATE INDEX ON match_t (source_id);
CREATE INDEX ON match_t (aws_account) WHERE account_specific;
CREATE INDEX ON match_t (domain) WHERE domain_specific;
ANALYZE match_q;
ANALYZE match_t;
