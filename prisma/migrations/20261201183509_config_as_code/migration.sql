-- AlterTable
ALTER TABLE "Service" ADD COLUMN     "appliedSpec" JSONB,
ADD COLUMN     "listenPortPinned" BOOLEAN NOT NULL DEFAULT false;
