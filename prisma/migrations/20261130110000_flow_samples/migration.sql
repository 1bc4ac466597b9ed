-- Pinned sample payloads per canvas node (trigger or step) of a flow, for test runs and the data mapper.
CREATE TABLE "flow_sample" (
    "flow_id" UUID NOT NULL,
    "node_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'manual',
    "pinned_by_id" TEXT,
    "pinned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "flow_sample_pkey" PRIMARY KEY ("flow_id", "node_id")
);
