-- A reconciliation break is one open exception per (flow, environment, period, identity) (docs/reconciliation.md
-- "Breaks"): a run in the test environment neither finds production's open breaks again nor resolves them, and a
-- run of one definition for February neither re-finds nor resolves January's. The exception already carries its
-- environment (migration 20261206100000_environment_data); it now carries the period its reconciliation covered,
-- and the checkpoint row — what auto-resolve reads to know which breaks a completed run could have seen — carries
-- both, so the resolve is scoped the same way.

ALTER TABLE "exception" ADD COLUMN "break_period" TEXT;
ALTER TABLE "reconcile_checkpoint" ADD COLUMN "period" TEXT,
ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';

-- Set from the run, like every other row that belongs to a run's environment.
CREATE TRIGGER reconcile_checkpoint_environment BEFORE INSERT ON "reconcile_checkpoint"
  FOR EACH ROW EXECUTE FUNCTION environment_of_run();

-- Backfill from the run summaries (written with a completed step's final checkpoint: they hold its period).
UPDATE "reconcile_checkpoint" c SET environment = r.environment FROM run r WHERE r.id = c.run_id AND r.environment <> 'production';
UPDATE "reconcile_checkpoint" c SET period = x.period_from || '..' || x.period_to
  FROM "reconciliation_run" x WHERE x.run_id = c.run_id AND x.path = c.path AND x.period_from IS NOT NULL;
-- A break's period: that of the run that opened it, else of the last run that found it again.
UPDATE "exception" e SET break_period = COALESCE(
    (SELECT x.period_from || '..' || x.period_to FROM "reconciliation_run" x WHERE x.run_id = e.run_id AND x.path = e.step_path),
    (SELECT x.period_from || '..' || x.period_to FROM "reconciliation_run" x WHERE x.run_id = e.break_seen_run_id AND x.path = e.step_path))
  WHERE e.break_identity IS NOT NULL;
