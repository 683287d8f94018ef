-- CORE entities with foreign keys resolved to names (seed: CORE Schema Models).

-- Normalized Odoo Opportunities with Resolved Names
CREATE TABLE IF NOT EXISTS core.odoo_opportunities (
    opportunity_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id INTEGER NOT NULL,
    name VARCHAR(500) NOT NULL,
    
    -- Partner/Company (resolved from res_partner)
    partner_id INTEGER,
    partner_name VARCHAR(500),
    partner_email VARCHAR(255),
    partner_phone VARCHAR(100),
    partner_website VARCHAR(255),
    partner_street VARCHAR(500),
    partner_city VARCHAR(200),
    partner_state VARCHAR(200),
    partner_country VARCHAR(200),
    partner_is_company BOOLEAN,
    
    -- User/Owner (resolved from res_users)
    user_id INTEGER,
    user_name VARCHAR(500),
    user_email VARCHAR(255),
    
    -- Team (resolved from crm_team)
    team_id INTEGER,
    team_name VARCHAR(200),
    
    -- Stage (resolved from crm_stage)
    stage_id INTEGER,
    stage_name VARCHAR(200),
    stage_sequence INTEGER,
    
    -- AWS specific (resolved from c_aws_accounts)
    aws_account_id VARCHAR(20),
    aws_account_name VARCHAR(500),
    aws_account_alias VARCHAR(200),
    aws_payer_account_id VARCHAR(20),
    aws_payer_account_name VARCHAR(500),
    
    -- Financial
    probability DECIMAL(5,2),
    expected_revenue DECIMAL(15,2),
    
    -- POD specific
    origination VARCHAR(50),
    c_aws_am_name VARCHAR(500),
    c_aws_psm_name VARCHAR(500),
    
    -- Dates
    create_date TIMESTAMP,
    close_date TIMESTAMP,
    date_deadline DATE,
    
    -- Normalized fields for matching
    domain VARCHAR(255),
    normalized_domain VARCHAR(255),
    normalized_company_name VARCHAR(500),
    
    -- For embeddings
    combined_text TEXT,  -- Concatenated searchable text
    
    -- Metadata
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(source_id)
);

CREATE INDEX IF NOT EXISTS idx_odoo_opp_aws_account ON core.odoo_opportunities(aws_account_id);
CREATE INDEX IF NOT EXISTS idx_odoo_opp_domain ON core.odoo_opportunities(normalized_domain);
CREATE INDEX IF NOT EXISTS idx_odoo_opp_partner ON core.odoo_opportunities(partner_id);

-- Normalized ACE Opportunities (already has most names)
CREATE TABLE IF NOT EXISTS core.ace_opportunities (
    opportunity_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id VARCHAR(100) NOT NULL,
    name VARCHAR(500) NOT NULL,
    
    -- Company/Account
    account_name VARCHAR(500),
    customer_email VARCHAR(255),
    customer_name VARCHAR(500),
    
    -- AWS Account (resolved if possible)
    aws_account VARCHAR(20),
    aws_account_name VARCHAR(500),  -- Resolved from core.aws_accounts
    
    -- Financial
    project_budget DECIMAL(15,2),
    
    -- POD specific fields
    opportunity_type VARCHAR(100),
    opportunity_ownership VARCHAR(100),
    delivery_model VARCHAR(100),
    use_case VARCHAR(200),
    industry VARCHAR(100),
    
    -- Contacts
    partner_sales_rep_name VARCHAR(500),
    partner_sales_rep_email VARCHAR(255),
    aws_sales_rep_name VARCHAR(500),
    aws_sales_rep_email VARCHAR(255),
    psm_name VARCHAR(500),
    psm_email VARCHAR(255),
    
    -- Status
    status VARCHAR(100),
    aws_status VARCHAR(100),
    partner_acceptance_status VARCHAR(100),
    
    -- Dates
    close_date DATE,
    aws_create_date TIMESTAMP,
    aws_last_modified_date TIMESTAMP,
    
    -- Normalized fields for matching
    domain VARCHAR(255),
    normalized_domain VARCHAR(255),
    normalized_company_name VARCHAR(500),
    
    -- For embeddings
    combined_text TEXT,  -- Concatenated searchable text
    
    -- Metadata
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(source_id)
);

CREATE INDEX IF NOT EXISTS idx_ace_opp_aws_account ON core.ace_opportunities(aws_account);
CREATE INDEX IF NOT EXISTS idx_ace_opp_domain ON core.ace_opportunities(normalized_domain);
CREATE INDEX IF NOT EXISTS idx_ace_opp_status ON core.ace_opportunities(status);

-- AWS Accounts Master with Resolved Names
CREATE TABLE IF NOT EXISTS core.aws_accounts (
    account_id VARCHAR(20) PRIMARY KEY,  -- 12-digit AWS account ID
    account_name VARCHAR(500),
    account_alias VARCHAR(200),
    
    -- Company (resolved from res_partner)
    company_id INTEGER,
    company_name VARCHAR(500),
    company_website VARCHAR(255),
    company_domain VARCHAR(255),
    
    -- Partner (resolved from res_partner)
    partner_id INTEGER,
    partner_name VARCHAR(500),
    partner_email VARCHAR(255),
    
    -- Salesperson (resolved from res_users)
    salesperson_id INTEGER,
    salesperson_name VARCHAR(500),
    salesperson_email VARCHAR(255),
    
    -- Payer relationship
    is_payer BOOLEAN DEFAULT false,
    payer_account_id VARCHAR(20),
    payer_account_name VARCHAR(500),  -- Resolved
    
    -- Billing
    is_billable BOOLEAN DEFAULT true,
    environment VARCHAR(50),
    
    -- For embeddings
    combined_text TEXT,  -- Concatenated searchable text
    
    -- Metadata
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS idx_aws_accounts_payer ON core.aws_accounts(payer_account_id);
CREATE INDEX IF NOT EXISTS idx_aws_accounts_company ON core.aws_accounts(company_id);
CREATE INDEX IF NOT EXISTS idx_aws_accounts_domain ON core.aws_accounts(company_domain);
