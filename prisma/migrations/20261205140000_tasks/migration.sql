-- Approval tasks (the DSL's approval step, server/tasks/): a run parks at the step without a job; the task row
-- is what the Inbox lists and what a decision updates, in the same transaction that re-enqueues the run.
CREATE TABLE "task" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "flow_id" UUID NOT NULL,
    "step_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "summary" JSONB,
    "form" JSONB,
    "decisions" TEXT[],
    "assignee_team_id" UUID,
    "assignee_role" TEXT,
    "assignee_email" TEXT,
    "requester" TEXT,
    "four_eyes" BOOLEAN NOT NULL DEFAULT false,
    "bulk" BOOLEAN NOT NULL DEFAULT false,
    "is_test" BOOLEAN NOT NULL DEFAULT false,
    "business_keys" JSONB,
    "due_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "escalation" JSONB,
    "escalated_at" TIMESTAMPTZ(3),
    "status" TEXT NOT NULL DEFAULT 'open',
    "decision" TEXT,
    "fields" JSONB,
    "comment" TEXT,
    "decided_by_id" TEXT,
    "decided_by_email" TEXT,
    "decided_via" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "task_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "task_run_id_path_key" ON "task"("run_id", "path");
CREATE INDEX "task_status_assignee_team_id_idx" ON "task"("status", "assignee_team_id");
CREATE INDEX "task_status_assignee_email_idx" ON "task"("status", "assignee_email");

ALTER TABLE "task" ADD CONSTRAINT "task_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
