-- Poll triggers per environment (docs/environments.md "Triggers per environment"): a flow deployed to test polls
-- in test too, through test's connection bindings, with its own cursor. One state row per (flow, environment);
-- every existing row is production's, where polls ran until now.
ALTER TABLE "poll_state" ADD COLUMN "environment_key" TEXT NOT NULL DEFAULT 'production';
ALTER TABLE "poll_state" DROP CONSTRAINT "poll_state_pkey";
ALTER TABLE "poll_state" ADD CONSTRAINT "poll_state_pkey" PRIMARY KEY ("flow_id", "environment_key");
ALTER TABLE "poll_state" ADD CONSTRAINT "poll_state_environment_key_fkey" FOREIGN KEY ("environment_key") REFERENCES "environment"("key") ON DELETE CASCADE ON UPDATE CASCADE;
