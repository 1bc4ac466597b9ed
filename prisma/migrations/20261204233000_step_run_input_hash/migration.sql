-- Effectful steps record a hash of what they were asked to do (target + resolved input): a replay reuses the
-- original run's result for a step whose hash is unchanged instead of calling the vendor again.
ALTER TABLE "step_run" ADD COLUMN "input_hash" TEXT;
