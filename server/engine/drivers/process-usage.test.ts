import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { UsageSampler } from "./process-usage";

const children: Array<{ kill(): void }> = [];
afterEach(() => children.splice(0).forEach((c) => c.kill()));

describe("UsageSampler", () => {
  it("measures a busy process tree through a shell: CPU near one core and its memory", async () => {
    // A shell whose child spins: the leader itself uses nothing, its descendant a full core.
    const shell = spawn("/bin/sh", ["-c", `${process.execPath} -e "const a = Buffer.alloc(64 << 20, 1); for (;;) a[0]++"`], { detached: true, stdio: "ignore" });
    children.push({ kill: () => process.kill(-shell.pid!, "SIGKILL") });
    const sampler = new UsageSampler();
    await new Promise((r) => setTimeout(r, 400));
    const start = Date.now();
    sampler.sample([shell.pid!], start);
    await new Promise((r) => setTimeout(r, 1000));
    const usage = sampler.sample([shell.pid!], Date.now()).get(shell.pid!);
    expect(usage?.cpuPercent).toBeGreaterThan(40); // a shared 2-core machine: leave room for contention
    expect(usage?.cpuPercent).toBeLessThan(130);
    expect(usage?.memoryBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(usage?.cpuSeconds).toBeGreaterThan(0.5);
  });

  it("leaves out leaders that no longer exist", () => {
    expect(new UsageSampler().sample([2 ** 22 + 12345], Date.now()).size).toBe(0);
  });
});
