import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseLogLine } from "./engine/logs/log-reader";
import { tempDir, useTestGantry } from "./testing/gantry";
import { waitFor } from "./testing/wait";

/** The texts of an instance's kept lines, oldest first: the rotated files, then output.log. */
function keptTexts(dataDir: string, instanceId: string): string[] {
  const dir = path.join(dataDir, "logs", instanceId);
  const files = ["output.log.3", "output.log.2", "output.log.1", "output.log"].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
  return files.flatMap((f) => fs.readFileSync(f, "utf8").split("\n").filter(Boolean).map((raw) => parseLogLine(raw)?.text ?? `unparsable: ${raw}`));
}

describe("instance logs under bursts (real processes)", () => {
  const dataDir = tempDir("log-bursts");
  const server = useTestGantry({ dataDir });

  const instanceOf = (serviceId: string) =>
    waitFor(async () => (await server.api.instances.list.query({ serviceId })).find((i) => i.phase === "Running"), "a running instance");

  it("keeps every line of a 300,000-line burst, in order", async () => {
    const service = await server.api.services.create.mutate({ name: "burst", template: { command: "seq 1 300000; echo END; sleep 600", shell: true } });
    const instance = await instanceOf(service.id);
    const texts = await waitFor(() => {
      const kept = keptTexts(dataDir, instance.id);
      return kept.at(-1) === "END" ? kept : undefined;
    }, "END in the logs", 20_000, 200);

    expect(texts).toHaveLength(300_001);
    const outOfPlace = texts.findIndex((text, i) => text !== (i === 300_000 ? "END" : String(i + 1)));
    expect(outOfPlace).toBe(-1);
    const tail = await server.api.logs.search.query({ instanceId: instance.id, tail: 3 });
    expect(tail.map((l) => l.text)).toEqual(["299999", "300000", "END"]);
    const found = await server.api.logs.search.query({ instanceId: instance.id, text: "123456", tail: 10 });
    expect(found.map((l) => l.text)).toEqual(["123456"]);
    await server.api.services.delete.mutate({ id: service.id });
  }, 60_000);

  it("counts and reports what a flood beyond the disk budget cannot keep, in the log and as an event", async () => {
    const total = 2_000_001; // the numbers, then END: ~74 MB stamped, past the 40 MiB an instance may keep
    const service = await server.api.services.create.mutate({ name: "flood", template: { command: "seq 1 2000000; echo END; sleep 600", shell: true } });
    const instance = await instanceOf(service.id);
    // Every gap in the numbers must sit right after markers that account for it exactly.
    const accounted = () => {
      let next = 1;
      let dropped = 0;
      let markers = 0;
      for (const text of keptTexts(dataDir, instance.id)) {
        const marker = text.match(/^gantry: dropped (\d+) lines \((\d+) bytes\)/);
        if (marker) {
          dropped += Number(marker[1]);
          markers++;
          continue;
        }
        const n = text === "END" ? total : Number(text);
        if (n !== next + dropped) throw new Error(`line ${n} follows ${next - 1} with ${dropped} dropped lines reported between them`);
        next = n + 1;
        dropped = 0;
      }
      return next - 1 + dropped === total ? { kept: next - 1, markers } : undefined;
    };
    const { markers } = await waitFor(accounted, "every line kept or reported dropped", 60_000, 500);
    expect(markers).toBeGreaterThan(0);
    const dir = path.join(dataDir, "logs", instance.id);
    const onDisk = fs.readdirSync(dir).filter((f) => f.startsWith("output.log")).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
    expect(onDisk).toBeLessThan(41 * 1024 * 1024);
    // Events are written a moment after what they report (the engine batches its writes, longer while a flood keeps it busy).
    const events = await waitFor(async () => ((list) => (list.length > 0 ? list : undefined))(await server.api.events.list.query({ serviceId: service.id, kind: "instance.logs-dropped" })), "the logs-dropped event", 10_000);
    expect(events[0]!.message).toMatch(/dropped \d+ lines/);
    await server.api.services.delete.mutate({ id: service.id });
  }, 90_000);
});
