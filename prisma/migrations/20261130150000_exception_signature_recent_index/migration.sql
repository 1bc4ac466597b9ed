-- Signature groups show the newest exception of each group: one index probe per group, not a sort of it.
CREATE INDEX "exception_signature_created_at_idx" ON "exception"("signature", "created_at");
