-- AlterTable
ALTER TABLE "Service" ADD COLUMN     "strategy" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "Rollout" (
    "id" UUID NOT NULL,
    "serviceId" UUID NOT NULL,
    "fromRevision" INTEGER NOT NULL,
    "toRevision" INTEGER NOT NULL,
    "cause" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "message" TEXT,
    "replicas" INTEGER NOT NULL,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "remaining" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "progressAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Rollout_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Rollout_serviceId_startedAt_idx" ON "Rollout"("serviceId", "startedAt");

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "Service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
