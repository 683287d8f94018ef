-- Secret-looking keys anywhere inside a JSON value (objects nested in objects and arrays) get the value "***";
-- null and "" stay as they are, like the UI's masking (insights/rows.scrub). A key matches when it, or its
-- snake_case form (ApiKey -> Api_Key, x-api-key -> x_api_key), matches the pattern, in any case.
-- A session-local function (pg_temp): the loader creates it on the warehouse connection it stages on.
CREATE OR REPLACE FUNCTION pg_temp.partner_sync_mask_json(v jsonb, pattern text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE jsonb_typeof(v)
    WHEN 'object' THEN (
        SELECT coalesce(jsonb_object_agg(k, CASE
            WHEN (k ~* pattern
                  OR translate(regexp_replace(k, '([a-z0-9])([A-Z])', '\1_\2', 'g'), '- ', '__') ~* pattern)
                 AND e NOT IN ('null'::jsonb, '""'::jsonb)
            THEN to_jsonb('***'::text)
            ELSE pg_temp.partner_sync_mask_json(e, pattern) END), jsonb_build_object())
        FROM jsonb_each(v) AS t(k, e))
    WHEN 'array' THEN (
        SELECT coalesce(jsonb_agg(pg_temp.partner_sync_mask_json(e, pattern) ORDER BY n), jsonb_build_array())
        FROM jsonb_array_elements(v) WITH ORDINALITY AS t(e, n))
    ELSE v
END
$fn$
