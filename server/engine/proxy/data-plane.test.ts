import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger";
import { processStat, sessionMembers } from "../../lib/proc";
import { DataPlane } from "./data-plane";

/** The data plane processes this test process started (each leads a session of its own). */
const dataPlanesOfThisProcess = () =>
  fs
    .readdirSync("/proc")
    .map(Number)
    .filter((pid) => processStat(pid)?.ppid === process.pid && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("data-plane-process"));

describe("DataPlane", () => {
  it("stops a data plane that is stuck, workers included, instead of waiting for it forever", async () => {
    const plane = new DataPlane(silentLogger, () => {}, 1);
    await plane.start();
    const [pid] = dataPlanesOfThisProcess();
    expect(sessionMembers(pid!).length).toBe(2); // itself and its worker
    process.kill(pid!, "SIGSTOP"); // as if its event loop were stuck: it won't hear the disconnect
    const started = Date.now();
    await plane.stop();
    expect(Date.now() - started).toBeGreaterThan(4000);
    expect(sessionMembers(pid!)).toEqual([]);
  }, 20_000);
});
