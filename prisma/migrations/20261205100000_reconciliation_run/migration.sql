-- The Reconciliation page (docs/reconciliation.md). One summary row per completed reconcile step, written in
-- the transaction of its final checkpoint: the page's last run and match-rate trend read these, not step output.
CREATE TABLE "reconciliation_run" (
    "run_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "flow_id" UUID NOT NULL,
    "reconciliation" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "definition_hash" TEXT NOT NULL,
    "period_from" TEXT,
    "period_to" TEXT,
    "is_test" BOOLEAN NOT NULL DEFAULT false,
    "keys" INTEGER NOT NULL,
    "matched" INTEGER NOT NULL,
    "mismatched" INTEGER NOT NULL,
    "missing" INTEGER NOT NULL,
    "duplicate" INTEGER NOT NULL,
    "unkeyed" INTEGER NOT NULL,
    "out_of_scope" INTEGER NOT NULL,
    "breaks" INTEGER NOT NULL,
    "records" JSONB NOT NULL,
    "missing_on" JSONB NOT NULL,
    "by_rule" JSONB NOT NULL,
    "match_rate" DOUBLE PRECISION NOT NULL,
    "money_at_stake" NUMERIC NOT NULL,
    "hours_at_stake" NUMERIC NOT NULL,
    "currency" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconciliation_run_pkey" PRIMARY KEY ("run_id","path")
);

CREATE INDEX "reconciliation_run_flow_id_reconciliation_finished_at_idx" ON "reconciliation_run"("flow_id", "reconciliation", "finished_at");

ALTER TABLE "reconciliation_run" ADD CONSTRAINT "reconciliation_run_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A break's record pair for the drill-down (both values, record ids per side), and the last re-sync run an
-- operator started for it.
ALTER TABLE "exception" ADD COLUMN "break_detail" JSONB,
ADD COLUMN "resync_run_id" UUID;
