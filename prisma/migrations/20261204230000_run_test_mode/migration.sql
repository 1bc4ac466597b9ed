-- How a test run treats effectful calls: 'dry-run' (writes are not sent; they return the pinned sample or a
-- response synthesised from the operation's output schema) or 'live' (really calls the connection). NULL for
-- every run that is not a test run.
ALTER TABLE "run" ADD COLUMN "test_mode" TEXT;
ALTER TABLE "run" ADD CONSTRAINT "run_test_mode_check" CHECK ("test_mode" IS NULL OR "test_mode" IN ('dry-run', 'live'));
