-- Governance: domains and stewards, alert channels, publish requests, classification reviews, event
-- contracts, SLOs with pre-aggregated 5-minute buckets and their fold state, burn-rate alerts.

CREATE TYPE "SloKind" AS ENUM ('success', 'latency', 'freshness');

CREATE TABLE "gov_domain" (
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'business',
    "charter" TEXT NOT NULL DEFAULT '',
    "owner_team_id" UUID NOT NULL,
    "policy" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "gov_domain_pkey" PRIMARY KEY ("key")
);
CREATE INDEX "gov_domain_owner_team_id_idx" ON "gov_domain"("owner_team_id");

CREATE TABLE "gov_domain_steward" (
    "domain_key" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "gov_domain_steward_pkey" PRIMARY KEY ("domain_key", "user_id")
);
CREATE INDEX "gov_domain_steward_user_id_idx" ON "gov_domain_steward"("user_id");

CREATE TABLE "team_alert_channel" (
    "team_id" UUID NOT NULL,
    "webhook_url" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updated_by_id" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "team_alert_channel_pkey" PRIMARY KEY ("team_id")
);

CREATE TABLE "version_request" (
    "id" UUID NOT NULL,
    "flow_version_id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "requested_by_id" TEXT NOT NULL,
    "policy" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "decided_by_id" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "version_request_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "version_request_flow_version_id_key" ON "version_request"("flow_version_id");
CREATE INDEX "version_request_flow_id_idx" ON "version_request"("flow_id");
CREATE INDEX "version_request_status_idx" ON "version_request"("status");

CREATE TABLE "classification_review" (
    "id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "classification" TEXT NOT NULL,
    "reviewer_id" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "classification_review_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "classification_review_flow_id_created_at_idx" ON "classification_review"("flow_id", "created_at");

CREATE TABLE "event_contract" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "major" INTEGER NOT NULL,
    "schema" JSONB NOT NULL,
    "owner_team_id" UUID NOT NULL,
    "domain" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "producers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "consumers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" TEXT NOT NULL DEFAULT 'active',
    "changelog" TEXT NOT NULL DEFAULT '',
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "event_contract_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "event_contract_name_version_key" ON "event_contract"("name", "version");
CREATE INDEX "event_contract_name_major_idx" ON "event_contract"("name", "major");

CREATE TABLE "slo" (
    "id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "SloKind" NOT NULL,
    "target" DOUBLE PRECISION NOT NULL,
    "window_days" INTEGER NOT NULL DEFAULT 28,
    "threshold_ms" INTEGER,
    "min_events" INTEGER NOT NULL DEFAULT 10,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "slo_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "slo_flow_id_name_key" ON "slo"("flow_id", "name");
CREATE INDEX "slo_flow_id_idx" ON "slo"("flow_id");

CREATE TABLE "slo_bucket" (
    "flow_id" UUID NOT NULL,
    "bucket_start" TIMESTAMPTZ(3) NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "latency_hist" INTEGER[],
    "freshness_hist" INTEGER[],
    CONSTRAINT "slo_bucket_pkey" PRIMARY KEY ("flow_id", "bucket_start")
);

CREATE TABLE "slo_fold_state" (
    "id" INTEGER NOT NULL,
    "watermark" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "slo_fold_state_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "slo_open_run" (
    "run_id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "slo_open_run_pkey" PRIMARY KEY ("run_id")
);

CREATE TABLE "slo_alert" (
    "id" UUID NOT NULL,
    "slo_id" UUID NOT NULL,
    "flow_id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "rule" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "burn_long" DOUBLE PRECISION NOT NULL,
    "burn_short" DOUBLE PRECISION NOT NULL,
    "long_events" INTEGER NOT NULL,
    "fired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "fired_notified_at" TIMESTAMPTZ(3),
    "resolved_notified_at" TIMESTAMPTZ(3),
    "last_delivery_error" TEXT,
    CONSTRAINT "slo_alert_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "slo_alert_slo_id_state_idx" ON "slo_alert"("slo_id", "state");
CREATE INDEX "slo_alert_flow_id_state_idx" ON "slo_alert"("flow_id", "state");
CREATE INDEX "slo_alert_team_id_state_idx" ON "slo_alert"("team_id", "state");

ALTER TABLE "gov_domain_steward" ADD CONSTRAINT "gov_domain_steward_domain_key_fkey" FOREIGN KEY ("domain_key") REFERENCES "gov_domain"("key") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "slo_alert" ADD CONSTRAINT "slo_alert_slo_id_fkey" FOREIGN KEY ("slo_id") REFERENCES "slo"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Element-wise sum of two histograms (the fold adds a batch's bins to a bucket's).
CREATE FUNCTION "weft_int_array_add"(a INTEGER[], b INTEGER[]) RETURNS INTEGER[] LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(array_agg(COALESCE(x, 0) + COALESCE(y, 0) ORDER BY i), '{}')
  FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;
