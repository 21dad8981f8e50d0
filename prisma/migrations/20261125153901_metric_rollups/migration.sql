-- CreateTable
CREATE TABLE "MetricRollup" (
    "series" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "point" JSONB NOT NULL,

    CONSTRAINT "MetricRollup_pkey" PRIMARY KEY ("series","at")
);

-- CreateIndex
CREATE INDEX "MetricRollup_at_idx" ON "MetricRollup"("at");
