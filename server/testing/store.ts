import os from "node:os";
import { Feed } from "../lib/feed";
import { silentLogger } from "../lib/logger";
import type { Change } from "../store/changes";
import { openDatabase, type Database } from "../store/database";
import { migrate } from "../store/migrate";
import type { TestBackend } from "./databases";
import { migratedPgliteSnapshot } from "./pglite-snapshot";

export type MigratedStore = Database & { feed: Feed<Change>; changes: Change[]; dispose(): Promise<void> };

/** A fresh, migrated database on the given backend, with a change feed that records what it publishes. */
export async function migratedStore(backend: TestBackend): Promise<MigratedStore> {
  const target = await backend.create();
  const db = await openDatabase(target.url, os.tmpdir(), { inMemoryFrom: await migratedPgliteSnapshot() });
  await migrate(db.prisma, silentLogger);
  const feed = new Feed<Change>("test", silentLogger);
  const changes: Change[] = [];
  feed.subscribe((change) => changes.push(change));
  return {
    ...db,
    feed,
    changes,
    dispose: async () => {
      await db.close();
      await target.drop();
    },
  };
}
