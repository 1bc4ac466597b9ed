-- The SLO fold reads a run's source event time from its input; a malformed timestamp there must not stop
-- the fold, so parse leniently (NULL instead of an error).
CREATE FUNCTION "weft_try_timestamptz"(v TEXT) RETURNS TIMESTAMPTZ LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF v IS NULL OR v !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}' THEN
    RETURN NULL;
  END IF;
  RETURN v::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$;
