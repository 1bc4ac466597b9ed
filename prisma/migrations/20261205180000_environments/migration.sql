-- Environments and promotion (docs/environments.md): an environment binds a flow's logical connection names to
-- concrete connections; a deployment says which published version runs in which environment; a promotion
-- request carries a version from test to production through four-eyes approval. Runs carry their environment
-- (existing runs ran in production).
CREATE TABLE "environment" (
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environment_pkey" PRIMARY KEY ("key")
);

INSERT INTO "environment" ("key", "name", "description") VALUES
  ('test', 'Test', 'Where a published version runs first, against sandbox accounts.'),
  ('production', 'Production', 'The live accounts; only versions that succeeded in test are promoted here.');

CREATE TABLE "connection_binding" (
    "environment_key" TEXT NOT NULL,
    "logical_key" TEXT NOT NULL,
    "connection_key" TEXT NOT NULL,
    "updated_by_id" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "connection_binding_pkey" PRIMARY KEY ("environment_key", "logical_key")
);

CREATE TABLE "deployment" (
    "id" UUID NOT NULL,
    "environment_key" TEXT NOT NULL,
    "flow_id" UUID NOT NULL,
    "flow_version_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "previous_id" UUID,
    "promotion_id" UUID,
    "bindings" JSONB NOT NULL DEFAULT '{}',
    "deployed_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployment_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "deployment_environment_key_flow_id_created_at_idx" ON "deployment"("environment_key", "flow_id", "created_at");

CREATE TABLE "promotion_request" (
    "id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "flow_version_id" UUID NOT NULL,
    "environment_key" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "requested_by_id" TEXT NOT NULL,
    "decided_by_id" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "reason" TEXT,
    "policy" JSONB NOT NULL,
    "diff" JSONB NOT NULL,
    "test_run_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "promotion_request_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "promotion_request_flow_id_status_idx" ON "promotion_request"("flow_id", "status");

ALTER TABLE "run" ADD COLUMN "environment" TEXT NOT NULL DEFAULT 'production';
CREATE INDEX "run_environment_created_at_idx" ON "run"("environment", "created_at");

ALTER TABLE "connection_binding" ADD CONSTRAINT "connection_binding_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environment"("key") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "connection_binding" ADD CONSTRAINT "connection_binding_connection_key_fkey" FOREIGN KEY ("connection_key") REFERENCES "connection"("key") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "deployment" ADD CONSTRAINT "deployment_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environment"("key") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "deployment" ADD CONSTRAINT "deployment_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deployment" ADD CONSTRAINT "deployment_flow_version_id_fkey" FOREIGN KEY ("flow_version_id") REFERENCES "flow_version"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "promotion_request" ADD CONSTRAINT "promotion_request_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flow"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "promotion_request" ADD CONSTRAINT "promotion_request_flow_version_id_fkey" FOREIGN KEY ("flow_version_id") REFERENCES "flow_version"("id") ON DELETE CASCADE ON UPDATE CASCADE;
