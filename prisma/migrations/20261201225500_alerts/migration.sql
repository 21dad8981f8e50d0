-- CreateTable
CREATE TABLE "AlertRule" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "ruleId" UUID NOT NULL,
    "ruleName" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "serviceId" UUID,
    "serviceName" TEXT,
    "subject" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "value" DOUBLE PRECISION,
    "activeAt" TIMESTAMP(3) NOT NULL,
    "firedAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),
    "notified" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertSilence" (
    "id" UUID NOT NULL,
    "ruleName" TEXT,
    "serviceName" TEXT,
    "reason" TEXT NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertSilence_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertReceiver" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertReceiver_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertNotification" (
    "id" BIGSERIAL NOT NULL,
    "receiverId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertNotification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AlertRule_name_key" ON "AlertRule"("name");

-- CreateIndex
CREATE INDEX "Alert_state_idx" ON "Alert"("state");

-- CreateIndex
CREATE INDEX "AlertSilence_endsAt_idx" ON "AlertSilence"("endsAt");

-- CreateIndex
CREATE UNIQUE INDEX "AlertReceiver_name_key" ON "AlertReceiver"("name");

-- CreateIndex
CREATE INDEX "AlertNotification_deliveredAt_receiverId_idx" ON "AlertNotification"("deliveredAt", "receiverId");

-- CreateIndex
CREATE UNIQUE INDEX "AlertNotification_receiverId_idempotencyKey_key" ON "AlertNotification"("receiverId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "AlertNotification" ADD CONSTRAINT "AlertNotification_receiverId_fkey" FOREIGN KEY ("receiverId") REFERENCES "AlertReceiver"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Default rules, so alerts are useful before anyone writes one; ordinary rows from here on (edit or delete them).
INSERT INTO "AlertRule" ("id", "name", "spec", "updatedAt") VALUES
    (gen_random_uuid(), 'service-down', '{"kind":"service-down","name":"service-down","severity":"critical","forSeconds":30}', CURRENT_TIMESTAMP),
    (gen_random_uuid(), 'service-degraded', '{"kind":"service-degraded","name":"service-degraded","severity":"warning","forSeconds":120}', CURRENT_TIMESTAMP),
    (gen_random_uuid(), 'high-error-rate', '{"kind":"error-rate","name":"high-error-rate","severity":"critical","thresholdPercent":5,"windowSeconds":60,"forSeconds":60}', CURRENT_TIMESTAMP),
    (gen_random_uuid(), 'slow-responses', '{"kind":"latency-p95","name":"slow-responses","severity":"warning","thresholdMs":1000,"windowSeconds":60,"forSeconds":120}', CURRENT_TIMESTAMP),
    (gen_random_uuid(), 'crash-looping', '{"kind":"restarts","name":"crash-looping","severity":"warning","count":3,"windowMinutes":10}', CURRENT_TIMESTAMP),
    (gen_random_uuid(), 'check-critical', '{"kind":"check-critical","name":"check-critical","severity":"critical","forSeconds":30}', CURRENT_TIMESTAMP),
    (gen_random_uuid(), 'autoscaler-maxed-out', '{"kind":"autoscaler-at-max","name":"autoscaler-maxed-out","severity":"warning","forSeconds":900}', CURRENT_TIMESTAMP);
