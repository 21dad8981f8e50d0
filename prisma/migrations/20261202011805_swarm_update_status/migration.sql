-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "cluster" JSONB;
