-- A reconcile side read through a connector operation is staged here page by page (docs/reconciliation.md
-- "Feeding the sides") and read back in key order by keyset, so the worker never holds the whole record set.
-- One row per record: its normalised key ('' when it has none: sorts first, where the matcher wants unkeyed
-- records) in COLLATE "C" — the matcher's code-point order — and its arrival number for a stable order.
CREATE TABLE "reconcile_stage" (
    "run_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "side" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "key" TEXT COLLATE "C" NOT NULL,
    "record" JSONB NOT NULL,

    CONSTRAINT "reconcile_stage_pkey" PRIMARY KEY ("run_id","path","side","seq")
);
CREATE INDEX "reconcile_stage_run_id_path_side_key_seq_idx" ON "reconcile_stage"("run_id", "path", "side", "key", "seq");
ALTER TABLE "reconcile_stage" ADD CONSTRAINT "reconcile_stage_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- How far a side's staging got: the operation input of the next page (null once every page is staged), written
-- in the page's own transaction, so a worker killed mid-read resumes after the last staged page.
CREATE TABLE "reconcile_stage_side" (
    "run_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "side" TEXT NOT NULL,
    "next_input" JSONB,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "records" INTEGER NOT NULL DEFAULT 0,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconcile_stage_side_pkey" PRIMARY KEY ("run_id","path","side")
);
ALTER TABLE "reconcile_stage_side" ADD CONSTRAINT "reconcile_stage_side_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
