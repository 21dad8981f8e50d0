-- AlterTable: an instance's pid and start time become its driver's runtime details, kept for
-- adoption (instances running across this upgrade are still taken over).
ALTER TABLE "Instance" ADD COLUMN     "runtime" JSONB;

UPDATE "Instance" SET "runtime" = jsonb_build_object('kind', 'process', 'pid', "pid", 'startTime', "pidStartTime"::text)
WHERE "pid" IS NOT NULL AND "pidStartTime" IS NOT NULL;

ALTER TABLE "Instance" DROP COLUMN "pid",
DROP COLUMN "pidStartTime";
