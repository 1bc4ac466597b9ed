-- Hosts besides those in a connection's settings that its credentials may be sent to (an admin's list).
ALTER TABLE "connection" ADD COLUMN "allowed_hosts" TEXT[] DEFAULT ARRAY[]::TEXT[];
