-- Connections remember their last "test connection" result; OpenAPI documents imported by admins are
-- stored as connectors.
ALTER TABLE "connection" ADD COLUMN "last_test_at" TIMESTAMPTZ(3),
ADD COLUMN "last_test_ok" BOOLEAN,
ADD COLUMN "last_test_error_class" TEXT,
ADD COLUMN "last_test_message" TEXT,
ADD COLUMN "last_test_latency_ms" INTEGER;

-- CreateTable
CREATE TABLE "imported_connector" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "spec_hash" TEXT NOT NULL,
    "source_url" TEXT,
    "operation_count" INTEGER NOT NULL,
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "imported_connector_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "imported_connector_key_key" ON "imported_connector"("key");
