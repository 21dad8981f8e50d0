-- AlterTable
ALTER TABLE "Service" ADD COLUMN     "autoscale" JSONB,
ADD COLUMN     "autoscalePausedAt" TIMESTAMP(3);
