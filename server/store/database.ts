import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client";

export type Prisma = PrismaClient;

export type Database = {
  prisma: PrismaClient;
  /** For logs: which backend, never credentials. */
  description: string;
  close(): Promise<void>;
};

/**
 * `postgres://…` → a real server through the pg adapter; unset → embedded PGlite persisted
 * under `<dataDir>/pglite`; `pglite:<dir>` → PGlite in that folder; `pglite:memory` → in memory.
 */
export async function openDatabase(url: string | undefined, dataDir: string): Promise<Database> {
  if (url && /^postgres(ql)?:/.test(url)) {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    await prisma.$connect();
    return { prisma, description: `postgresql ${redact(url)}`, close: () => prisma.$disconnect() };
  }
  const target = url?.startsWith("pglite:") ? url.slice("pglite:".length) : path.join(dataDir, "pglite");
  const inMemory = target === "memory";
  if (!inMemory) fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const pglite = inMemory ? new PGlite() : new PGlite(path.resolve(target));
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    description: inMemory ? "pglite (in memory)" : `pglite ${path.resolve(target)}`,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgresql (unparseable URL)";
  }
}
