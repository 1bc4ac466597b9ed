-- Poll (change) triggers: one row per flow whose published version polls a connector operation. The cursor
-- (watermark) is written in the same transaction as the runs a poll starts, guarded by `revision`, so a
-- poll either advances the cursor and starts its runs or does neither. Runs are de-duplicated by the run
-- table's (flow_id, idempotency_key) unique index with the key `poll:<record id>@<version>`.
CREATE TABLE "poll_state" (
    "flow_id" UUID NOT NULL,
    -- awaiting_start: published, nobody chose "from now" / "from a date" yet; active; inactive: the published
    -- version no longer polls (kept so a re-published poll resumes from its cursor).
    "status" TEXT NOT NULL DEFAULT 'awaiting_start',
    "cursor" TEXT,
    "start_from" TIMESTAMPTZ(3),
    "revision" BIGINT NOT NULL DEFAULT 0,
    "interval_seconds" INTEGER NOT NULL DEFAULT 60,
    "next_poll_at" TIMESTAMPTZ(3),
    "last_poll_at" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_error_class" TEXT,
    "runs_started" BIGINT NOT NULL DEFAULT 0,
    "records_seen" BIGINT NOT NULL DEFAULT 0,
    "activated_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "poll_state_pkey" PRIMARY KEY ("flow_id"),
    CONSTRAINT "poll_state_status_check" CHECK ("status" IN ('awaiting_start', 'active', 'inactive'))
);

-- The scheduler tick's one query: active polls that are due.
CREATE INDEX "poll_state_status_next_poll_at_idx" ON "poll_state"("status", "next_poll_at");

ALTER TABLE "poll_state" ADD CONSTRAINT "poll_state_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow"("id") ON DELETE CASCADE ON UPDATE CASCADE;
