-- Flows and their immutable versions, runs with per-step state, exceptions, connections.

CREATE TYPE "Lifecycle" AS ENUM ('draft', 'active', 'deprecated', 'retired');
CREATE TYPE "VersionStatus" AS ENUM ('pending_approval', 'approved', 'rejected', 'deprecated', 'retired');
CREATE TYPE "RunStatus" AS ENUM ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled');
CREATE TYPE "ExceptionStatus" AS ENUM ('open', 'resolved', 'retrying');

CREATE TABLE "flow" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "domain" TEXT NOT NULL,
    "owner_team_id" UUID NOT NULL,
    "on_call" TEXT,
    "classification" TEXT NOT NULL DEFAULT 'internal',
    "lifecycle" "Lifecycle" NOT NULL DEFAULT 'draft',
    "draft" JSONB NOT NULL,
    "draft_revision" INTEGER NOT NULL DEFAULT 1,
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "flow_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "flow_key_key" ON "flow"("key");
CREATE INDEX "flow_domain_idx" ON "flow"("domain");
CREATE INDEX "flow_owner_team_id_idx" ON "flow"("owner_team_id");

CREATE TABLE "flow_version" (
    "id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "dsl" JSONB NOT NULL,
    "content_hash" TEXT NOT NULL,
    "status" "VersionStatus" NOT NULL DEFAULT 'pending_approval',
    "changelog" TEXT NOT NULL DEFAULT '',
    "author_id" TEXT,
    "approver_id" TEXT,
    "approved_at" TIMESTAMPTZ(3),
    "sunset_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "flow_version_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "flow_version_flow_id_version_key" ON "flow_version"("flow_id", "version");
CREATE INDEX "flow_version_status_idx" ON "flow_version"("status");

CREATE TABLE "run" (
    "id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "flow_version_id" UUID,
    "dsl_snapshot" JSONB,
    "status" "RunStatus" NOT NULL DEFAULT 'queued',
    "trigger_type" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "idempotency_key" TEXT,
    "business_keys" JSONB,
    "business_key_values" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "concurrency_key" TEXT,
    "is_test" BOOLEAN NOT NULL DEFAULT false,
    "parent_run_id" UUID,
    "replay_of_id" UUID,
    "error" JSONB,
    "output" JSONB,
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "run_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "run_flow_id_idempotency_key_key" ON "run"("flow_id", "idempotency_key");
CREATE INDEX "run_flow_id_created_at_idx" ON "run"("flow_id", "created_at");
CREATE INDEX "run_status_created_at_idx" ON "run"("status", "created_at");
CREATE INDEX "run_created_at_idx" ON "run"("created_at");

CREATE TABLE "step_run" (
    "run_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "step_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "input" JSONB,
    "output" JSONB,
    "error" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "attempt_log" JSONB NOT NULL DEFAULT '[]',
    "idempotency_key" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "step_run_pkey" PRIMARY KEY ("run_id", "path")
);

CREATE TABLE "exception" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "step_path" TEXT,
    "error_class" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "request" JSONB,
    "response" JSONB,
    "business_keys" JSONB,
    "business_key_values" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" "ExceptionStatus" NOT NULL DEFAULT 'open',
    "assignee_id" TEXT,
    "assignee_team_id" UUID,
    "resolution" TEXT,
    "resolved_by_id" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "exception_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "exception_status_created_at_idx" ON "exception"("status", "created_at");
CREATE INDEX "exception_signature_status_idx" ON "exception"("signature", "status");
CREATE INDEX "exception_flow_id_status_idx" ON "exception"("flow_id", "status");
CREATE INDEX "exception_run_id_idx" ON "exception"("run_id");

CREATE TABLE "connection" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "connector_key" TEXT NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "secrets_enc" TEXT,
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "connection_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "connection_key_key" ON "connection"("key");
CREATE INDEX "connection_connector_key_idx" ON "connection"("connector_key");

ALTER TABLE "flow" ADD CONSTRAINT "flow_owner_team_id_fkey" FOREIGN KEY ("owner_team_id") REFERENCES "team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "flow_version" ADD CONSTRAINT "flow_version_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "run" ADD CONSTRAINT "run_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "run" ADD CONSTRAINT "run_flow_version_id_fkey" FOREIGN KEY ("flow_version_id") REFERENCES "flow_version"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "step_run" ADD CONSTRAINT "step_run_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "exception" ADD CONSTRAINT "exception_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
