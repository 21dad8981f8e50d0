import net from "node:net";
import { describe, expect, it } from "vitest";
import { isPortFree, PortAllocator } from "./port-allocator";

describe("PortAllocator", () => {
  it("walks the range round-robin, skipping claimed ports and not reusing a released one at once", async () => {
    const ports = new PortAllocator({ from: 100, to: 103 }, async () => true);
    ports.claim(101);
    expect([await ports.allocate(), await ports.allocate()]).toEqual([100, 102]);
    ports.release(100);
    expect(await ports.allocate()).toBe(103);
    expect(await ports.allocate()).toBe(100);
  });

  it("never hands the same port to concurrent callers", async () => {
    const ports = new PortAllocator({ from: 100, to: 109 }, async () => new Promise((r) => setTimeout(() => r(true), 5)));
    const got = await Promise.all(Array.from({ length: 10 }, () => ports.allocate()));
    expect(new Set(got).size).toBe(10);
  });

  it("skips ports something else listens on, and says so when the range is exhausted", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      expect(await isPortFree(busy)).toBe(false);
      const ports = new PortAllocator({ from: busy, to: busy });
      await expect(ports.allocate()).rejects.toThrow(`no free port left in ${busy}-${busy} (GANTRY_PORT_RANGE)`);
    } finally {
      blocker.close();
    }
  });
});
