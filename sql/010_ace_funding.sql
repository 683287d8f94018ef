-- Funding per ACE opportunity (issue #16): what was requested, approved and paid out for the opportunity,
-- from either APN mode -- APFP fund requests + cash claims (database) or Partner Central Benefits API
-- applications + allocations (partner_central). Filled by the ace_funding_* transforms; field by field in
-- docs/api_sources.md. Amounts are summed over the opportunity's requests/applications when they share one
-- currency (NULL when they do not; funding_currency then lists them all).
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS funding_requested_amount DECIMAL(15,2);
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS funding_approved_amount DECIMAL(15,2);
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS funding_disbursed_amount DECIMAL(15,2);
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS funding_currency VARCHAR(100);  -- ';'-joined when mixed
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS funding_programs TEXT;          -- ';'-joined, sorted
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS funding_status VARCHAR(100);    -- the latest one's
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS funding_ids TEXT;               -- request/application ids
