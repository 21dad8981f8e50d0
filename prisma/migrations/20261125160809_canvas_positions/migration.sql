-- AlterTable
ALTER TABLE "Service" ALTER COLUMN "positionX" DROP NOT NULL,
ALTER COLUMN "positionX" DROP DEFAULT,
ALTER COLUMN "positionY" DROP NOT NULL,
ALTER COLUMN "positionY" DROP DEFAULT;

-- (0, 0) was the default before: those services were never placed.
UPDATE "Service" SET "positionX" = NULL, "positionY" = NULL WHERE "positionX" = 0 AND "positionY" = 0;
