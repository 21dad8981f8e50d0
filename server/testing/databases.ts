import { randomBytes } from "node:crypto";
import pg from "pg";

export type TestDatabase = { url: string; drop(): Promise<void> };
export type TestBackend = { name: string; create(): Promise<TestDatabase> };

const pglite: TestBackend = { name: "pglite", create: async () => ({ url: "pglite:memory", drop: async () => {} }) };

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Each call makes a fresh database on the server named by `adminUrl`; drop() removes it. */
function postgres(adminUrl: string): TestBackend {
  return {
    name: "postgresql",
    async create() {
      const name = `gantry_test_${process.pid}_${randomBytes(4).toString("hex")}`;
      await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
      };
    },
  };
}

/** PGlite always; the real PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export function testBackends(): TestBackend[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [pglite, postgres(url)] : [pglite];
}
