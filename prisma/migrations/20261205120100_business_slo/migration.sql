-- Business SLOs (docs/kpis.md "Business SLOs"): a target on a KPI, judged per event (a time entry invoiced in
-- time, a run without a person…) with the technical SLOs' error budget and burn-rate rules
-- (core/governance/slo-math.ts); alerts go to the owner team's alert channel.
CREATE TABLE "business_slo" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kpi" TEXT NOT NULL,
    "threshold" DOUBLE PRECISION,
    "target" DOUBLE PRECISION NOT NULL,
    "window_days" INTEGER NOT NULL DEFAULT 28,
    "min_events" INTEGER NOT NULL DEFAULT 10,
    "team_id" UUID NOT NULL,
    "filter_team" TEXT,
    "filter_customer" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "business_slo_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "business_slo_name_key" ON "business_slo"("name");

CREATE TABLE "business_slo_alert" (
    "id" UUID NOT NULL,
    "slo_id" UUID NOT NULL,
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

    CONSTRAINT "business_slo_alert_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "business_slo_alert_slo_id_state_idx" ON "business_slo_alert"("slo_id", "state");

ALTER TABLE "business_slo_alert" ADD CONSTRAINT "business_slo_alert_slo_id_fkey" FOREIGN KEY ("slo_id") REFERENCES "business_slo"("id") ON DELETE CASCADE ON UPDATE CASCADE;
