-- SLO buckets keep cumulative histograms (element k = succeeded runs at or under bound k), so the good
-- count for any threshold is one array element instead of a sum over bins; convert existing buckets.
UPDATE "slo_bucket" SET
  "latency_hist" = (SELECT array_agg(s::int ORDER BY i) FROM (SELECT i, sum(x) OVER (ORDER BY i) AS s FROM unnest("latency_hist") WITH ORDINALITY AS t(x, i)) q),
  "freshness_hist" = (SELECT array_agg(s::int ORDER BY i) FROM (SELECT i, sum(x) OVER (ORDER BY i) AS s FROM unnest("freshness_hist") WITH ORDINALITY AS t(x, i)) q);

-- Parse without a PL/pgSQL exception block where the server can (a subtransaction per row made the fold
-- slow): pg_input_is_valid is PostgreSQL 16+; older servers keep the exception-block version of 20261124110000.
DO $do$
BEGIN
  IF current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE $fn$
      CREATE OR REPLACE FUNCTION "weft_try_timestamptz"(v TEXT) RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
        SELECT CASE WHEN v ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}' AND pg_input_is_valid(v, 'timestamptz') THEN v::timestamptz END
      $$
    $fn$;
  END IF;
END
$do$;
