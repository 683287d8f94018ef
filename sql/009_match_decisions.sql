-- Matching that people can review: what each side says about its twin, the matcher's decision per Odoo
-- opportunity, the human decisions that overrule it, and the versioned models that score pairs.

-- Exact evidence and the project text. ACE's PartnerCrmUniqueIdentifier (the partner's CRM id, in forms
-- such as 1234, ODOO-1234, crm.lead,1234) and the ACE id some partners keep in an Odoo custom field
-- (include/sources/odoo.yml `ace_id_field:`); the project description, products and country the matcher's
-- project and identity texts need.
ALTER TABLE core.odoo_opportunities ADD COLUMN IF NOT EXISTS description TEXT;                 -- plain text
ALTER TABLE core.odoo_opportunities ADD COLUMN IF NOT EXISTS ace_opportunity_ref VARCHAR(200);  -- odoo.yml ace_id_field
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS partner_crm_unique_identifier VARCHAR(200);
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS project_description TEXT;
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS aws_products TEXT;
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS country VARCHAR(100);

-- The matcher's decision per Odoo opportunity, rewritten by every `partner_sync match`:
-- linked (assigned twin with probability >= the model's auto-link threshold), review, or unmatched.
CREATE TABLE IF NOT EXISTS search.match_decisions (
    odoo_id VARCHAR(100) PRIMARY KEY,
    status VARCHAR(20) NOT NULL CHECK (status IN ('linked', 'review', 'unmatched')),
    ace_id VARCHAR(100),                          -- the assignment (rank 1); NULL when unmatched without candidate
    probability DOUBLE PRECISION,                 -- calibrated probability that ace_id is the twin
    evidence JSONB NOT NULL DEFAULT '{}'::jsonb,  -- the features behind it, disagreements, ACE status
    model_version VARCHAR(100),
    decided_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_match_decisions_status ON search.match_decisions (status, probability);
CREATE INDEX IF NOT EXISTS idx_match_decisions_ace ON search.match_decisions (ace_id);

-- Human decisions: append-only (the latest per pair counts), never touched by a rerun of the matcher;
-- hard constraints of the next assignment and labels for `partner_sync match --train`.
CREATE TABLE IF NOT EXISTS search.match_reviews (
    review_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    odoo_id VARCHAR(100) NOT NULL,
    ace_id VARCHAR(100) NOT NULL,
    decision VARCHAR(10) NOT NULL CHECK (decision IN ('confirm', 'reject')),
    decided_by VARCHAR(200) NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    note TEXT
);
CREATE INDEX IF NOT EXISTS idx_match_reviews_pair ON search.match_reviews (odoo_id, ace_id, decided_at DESC);
CREATE INDEX IF NOT EXISTS idx_match_reviews_ace ON search.match_reviews (ace_id);

-- The effective human decision per pair: the latest one.
CREATE OR REPLACE VIEW search.match_review_latest AS
SELECT DISTINCT ON (odoo_id, ace_id) review_id, odoo_id, ace_id, decision, decided_by, decided_at, note
FROM search.match_reviews
ORDER BY odoo_id, ace_id, decided_at DESC, review_id DESC;

-- Pair-scoring models fitted by `partner_sync match --train`; the newest is used (the shipped default
-- model when there is none). The model is JSON (coefficients), never a pickle.
CREATE TABLE IF NOT EXISTS search.match_models (
    version VARCHAR(100) PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    model JSONB NOT NULL,
    trained_on JSONB NOT NULL DEFAULT '{}'::jsonb
);

-- AWS account ids: an 11-digit id is a 12-digit one whose leading zero a spreadsheet or CRM number field
-- dropped (real partner data); it gets the zero back instead of being lost as evidence.
CREATE OR REPLACE FUNCTION core.normalize_aws_account_id(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v ~ '^[0-9]{12}$' THEN v WHEN v ~ '^[0-9]{11}$' THEN '0' || v END
  FROM (SELECT regexp_replace(btrim(value), '[\s-]', '', 'g') AS v) x
$$;
