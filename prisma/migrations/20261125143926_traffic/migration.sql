-- AlterTable
ALTER TABLE "Dependency" ADD COLUMN     "port" INTEGER;

-- AlterTable
ALTER TABLE "Service" ADD COLUMN     "listenPort" INTEGER,
ADD COLUMN     "traffic" JSONB NOT NULL DEFAULT '{}';

-- CreateIndex
CREATE UNIQUE INDEX "Dependency_port_key" ON "Dependency"("port");

-- CreateIndex
CREATE UNIQUE INDEX "Service_listenPort_key" ON "Service"("listenPort");
