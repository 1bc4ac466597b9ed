-- The audit chain becomes keyed: each new row's hash is an HMAC-SHA256 with a key outside the database
-- (server/audit/key.ts), so the database role cannot rewrite the whole chain. The rows already written keep
-- their plain SHA-256 hashes and are marked so; the first keyed row's HMAC covers their head. Adding the
-- column with a default fills the existing rows without an UPDATE (the append-only trigger stays untouched);
-- the default then switches to keyed for every row written from now on.
ALTER TABLE "audit_log" ADD COLUMN "hash_alg" TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE "audit_log" ALTER COLUMN "hash_alg" SET DEFAULT 'hmac-sha256';
