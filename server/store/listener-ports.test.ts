import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testBackends } from "../testing/databases";
import { migratedStore, type MigratedStore } from "../testing/store";
import { claimListenerPort } from "./listener-ports";

const [pglite] = testBackends();
const range = { from: 16000, to: 16009 };
const nothingReserved = () => undefined;

describe("listener port claims", () => {
  let store: MigratedStore;
  beforeAll(async () => {
    store = await migratedStore(pglite!);
  });
  afterAll(() => store.dispose());

  const createService = (tx: Parameters<typeof claimListenerPort>[0], name: string, listenPort: number) =>
    tx.service.create({ data: { id: randomUUID(), name, replicas: 1, template: {}, listenPort } });

  it("hands out the lowest free port, never one twice in a transaction, and skips reserved ones and those taken before", async () => {
    await store.prisma.$transaction(async (tx) => {
      await createService(tx, "api", await claimListenerPort(tx, range, nothingReserved));
    });
    const claimed = await store.prisma.$transaction(async (tx) => {
      const reserved = (port: number) => (port === 16002 ? "Gantry's own port" : undefined);
      // Claimed without writing rows in between (as a file's apply does before it creates them).
      return [await claimListenerPort(tx, range, reserved), await claimListenerPort(tx, range, reserved), await claimListenerPort(tx, range, reserved)];
    });
    expect(claimed).toEqual([16001, 16003, 16004]);
  });

  it("refuses a wanted port another service holds, by name, and grants it once that service is gone in the same transaction", async () => {
    await store.prisma.$transaction(async (tx) => {
      await createService(tx, "web", 16008);
    });
    await expect(store.prisma.$transaction((tx) => claimListenerPort(tx, range, nothingReserved, 16008))).rejects.toMatchObject({ code: "CONFLICT", message: "port 16008 is already the listener of service web" });
    const granted = await store.prisma.$transaction(async (tx) => {
      await claimListenerPort(tx, range, nothingReserved); // the transaction's ports are read before the delete
      await tx.service.delete({ where: { name: "web" } });
      return claimListenerPort(tx, range, nothingReserved, 16008);
    });
    expect(granted).toBe(16008);
  });

  it("says when the range is full", async () => {
    const full = store.prisma.$transaction(async (tx) => {
      for (;;) await claimListenerPort(tx, { from: 16000, to: 16002 }, nothingReserved);
    });
    await expect(full).rejects.toMatchObject({ code: "UNAVAILABLE", message: "no free listener port left in 16000-16002 (GANTRY_LISTENER_PORT_RANGE)" });
  });
});
