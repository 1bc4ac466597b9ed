-- Reconcile steps (docs/reconciliation.md). A break stored as an exception carries its stable identity
-- (<reconciliation>|<rule>|<key>): a rerun finds the open exception instead of adding a second one, and
-- marks it seen (run and time); a later successful run resolves the open breaks of a reconciliation it
-- completed without seeing them, unless a run that finished after it saw them (auto-resolve).
ALTER TABLE "exception" ADD COLUMN "break_identity" TEXT,
ADD COLUMN "break_seen_run_id" UUID,
ADD COLUMN "break_seen_at" TIMESTAMPTZ(3);

CREATE INDEX "exception_flow_id_break_identity_status_idx" ON "exception"("flow_id", "break_identity", "status");

-- The matcher's last checkpoint per run and step path: a worker killed mid-run resumes after its last key.
-- `done` marks a reconciliation the run completed (what auto-resolve may act on).
CREATE TABLE "reconcile_checkpoint" (
    "run_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "reconciliation" TEXT NOT NULL,
    "checkpoint" JSONB,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconcile_checkpoint_pkey" PRIMARY KEY ("run_id","path")
);

ALTER TABLE "reconcile_checkpoint" ADD CONSTRAINT "reconcile_checkpoint_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
