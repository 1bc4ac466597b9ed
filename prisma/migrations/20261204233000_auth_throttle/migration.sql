-- Failed password sign-ins counted per account, per client and per account+client (server/auth/throttle.ts).
CREATE TABLE "auth_throttle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "window_start" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),
    CONSTRAINT "auth_throttle_pkey" PRIMARY KEY ("key")
);
