-- Normalisation used by every transform (one implementation, in the database, so SQL templates and
-- Python callers get the same answer): domains, company names, AWS account ids, translated names.
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

-- Free-mail providers: an address there says nothing about the customer's company.
CREATE TABLE IF NOT EXISTS core.free_mail_domains (domain VARCHAR(255) PRIMARY KEY);
INSERT INTO core.free_mail_domains (domain) VALUES
  ('gmail.com'), ('googlemail.com'), ('outlook.com'), ('hotmail.com'), ('hotmail.co.uk'), ('hotmail.fr'),
  ('live.com'), ('msn.com'), ('yahoo.com'), ('yahoo.co.uk'), ('yahoo.fr'), ('yahoo.co.jp'), ('ymail.com'),
  ('aol.com'), ('icloud.com'), ('me.com'), ('mac.com'), ('proton.me'), ('protonmail.com'), ('gmx.de'),
  ('gmx.net'), ('web.de'), ('t-online.de'), ('orange.fr'), ('free.fr'), ('laposte.net'), ('mail.ru'),
  ('yandex.ru'), ('qq.com'), ('163.com'), ('126.com'), ('naver.com'), ('zoho.com'), ('hey.com'),
  ('fastmail.com'), ('uol.com.br'), ('bol.com.br'), ('libero.it'), ('seznam.cz'), ('example.com')
ON CONFLICT DO NOTHING;

-- Host part of a URL, e-mail address or bare host: lowercase, no scheme, user, www., path, port or trailing dot.
-- Internationalised names stay as typed (lowercased); xn-- (punycode) labels pass through untouched.
CREATE OR REPLACE FUNCTION core.domain_from_url(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN h ~ '^([[:alnum:]]([[:alnum:]-]*[[:alnum:]])?\.)+[[:alpha:]][[:alnum:]-]*[[:alnum:]]$'
              AND h !~ '^[0-9.]+$' THEN h END
  FROM (SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           lower(btrim(value, E' \t\r\n<>"''')),
           '^[a-z][a-z0-9+.-]*://', ''),        -- scheme
           '[/?#\\].*$', ''),                   -- path, query, fragment
           '^.*@', ''),                         -- user@ (and mailto:user@)
           ':[0-9]*$', ''),                     -- port
           '\.+$', ''),                         -- trailing dot(s)
           '^www[0-9]*\.', '') AS h) x
$$;

-- The company's domain: from the website, else from the e-mail; free-mail providers never count.
CREATE OR REPLACE FUNCTION core.normalize_domain(website text, email text DEFAULT NULL) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT d FROM (VALUES (1, core.domain_from_url(website)), (2, core.domain_from_url(email))) AS c(rank, d)
  WHERE d IS NOT NULL AND NOT EXISTS (SELECT 1 FROM core.free_mail_domains f WHERE f.domain = c.d)
  ORDER BY rank LIMIT 1
$$;

-- Company names compared across systems: casefolded, accents and punctuation gone, legal form dropped.
CREATE OR REPLACE FUNCTION core.normalize_company_name(value text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  s text;
  prev text;
BEGIN
  IF value IS NULL THEN RETURN NULL; END IF;
  s := lower(public.unaccent('public.unaccent'::regdictionary, value));
  s := replace(replace(replace(s, '株式会社', ' '), '有限会社', ' '), '合同会社', ' ');
  s := regexp_replace(s, '\s*&\s*', ' and ', 'g');
  -- dotted abbreviations (s.a.s., l.l.c., b.v., j.p.) lose their dots; other punctuation becomes a space
  s := regexp_replace(s, '(?<![[:alnum:]])([[:alpha:]])\.', '\1', 'g');
  s := regexp_replace(s, '\m([[:alpha:]])/([[:alpha:]])\M', '\1\2', 'g');  -- a/s, a/b
  s := regexp_replace(s, '[^[:alnum:]\s]+', ' ', 'g');
  s := btrim(regexp_replace(s, '\s+', ' ', 'g'));
  s := regexp_replace(s, '^the ', '');
  LOOP  -- legal forms at the end, repeatedly ("pty ltd", "co ltd", "gmbh co kg")
    prev := s;
    s := regexp_replace(s, '\s(inc|incorporated|llc|llp|lp|ltd|limited|corp|corporation|co|company|plc|gmbh|ag|kg|'
                           'se|sa|sas|sarl|srl|spa|sl|slu|bv|nv|pty|pte|kk|ltda|oy|oyj|ab|as|asa|aps|sro|zrt|kft|'
                           'bhd|sdn|pvt|private|holding|holdings|group)$', '');
    EXIT WHEN s = prev;
  END LOOP;
  RETURN NULLIF(s, '');
END
$$;

-- AWS account ids: exactly 12 digits (leading zeros kept); separators tolerated; anything else NULL.
CREATE OR REPLACE FUNCTION core.normalize_aws_account_id(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v ~ '^[0-9]{12}$' THEN v END
  FROM (SELECT regexp_replace(btrim(value), '[\s-]', '', 'g') AS v) x
$$;

-- Odoo 16+ translated names ({"en_US": "Won", "fr_FR": "Gagné"}): the wanted language, else en_US, else any.
CREATE OR REPLACE FUNCTION core.translated(value jsonb, lang text DEFAULT 'en_US') RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(value)
           WHEN 'object' THEN COALESCE(NULLIF(value->>lang, ''), NULLIF(value->>'en_US', ''),
                                       (SELECT v FROM jsonb_each_text(value) e(k, v) WHERE v <> '' ORDER BY k LIMIT 1))
           WHEN 'string' THEN value #>> '{}'
         END
$$;
