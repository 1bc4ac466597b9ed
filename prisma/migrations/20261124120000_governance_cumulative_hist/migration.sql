-- SLO buckets keep cumulative histograms (element k = succeeded runs at or under bound k), so the good
-- count for any threshold is one array element instead of a sum over bins; convert existing buckets.
UPDATE "slo_bucket" SET
  "latency_hist" = (SELECT array_agg(s::int ORDER BY i) FROM (SELECT i, sum(x) OVER (ORDER BY i) AS s FROM unnest("latency_hist") WITH ORDINALITY AS t(x, i)) q),
  "freshness_hist" = (SELECT array_agg(s::int ORDER BY i) FROM (SELECT i, sum(x) OVER (ORDER BY i) AS s FROM unnest("freshness_hist") WITH ORDINALITY AS t(x, i)) q);

-- Parse without a PL/pgSQL exception block (a subtransaction per row made the fold slow); PostgreSQL 16+.
CREATE OR REPLACE FUNCTION "weft_try_timestamptz"(v TEXT) RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN v ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}' AND pg_input_is_valid(v, 'timestamptz') THEN v::timestamptz END
$$;
