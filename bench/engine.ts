// npm run bench:engine — how fast scaling turns into running processes and containers, and what Gantry costs at idle.
import path from "node:path";
import { benchContainers } from "./engine-containers";
import { measureIdle, saveResults, startGantryProcess, until } from "./gantry-process";

const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const sizes = [1, 10, 50];
const port = Number(process.env.BENCH_PORT ?? 3900);

const gantry = await startGantryProcess(port, { GANTRY_PORT_RANGE: "41000-41999" });
const { api } = gantry;

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/`).then(
    (r) => r.ok,
    () => false,
  );

try {
  const service = await api.services.create.mutate({ name: "bench", replicas: 0, template: { command: process.execPath, args: [fixture] } });
  const rows = [];
  for (const size of sizes) {
    await api.services.scale.mutate({ id: service.id, replicas: 0 });
    await until(async () => ((await api.instances.list.query({ serviceId: service.id })).length === 0 ? true : undefined));

    const started = performance.now();
    await api.services.scale.mutate({ id: service.id, replicas: size });
    const instances = await until(async () => {
      const list = await api.instances.list.query({ serviceId: service.id });
      return list.length === size && list.every((i) => i.phase === "Running") ? list : undefined;
    });
    const running = performance.now() - started;
    await until(async () => ((await Promise.all(instances.map((i) => answers(i.port!)))).every(Boolean) ? true : undefined));
    const serving = performance.now() - started;
    rows.push({ instances: size, allRunningMs: Math.round(running), allServingHttpMs: Math.round(serving) });
    console.log(`scale 0 → ${size}: all Running after ${Math.round(running)} ms, all answering HTTP after ${Math.round(serving)} ms`);
  }

  await new Promise((r) => setTimeout(r, 5000)); // let startup work settle
  const idle = await measureIdle(gantry.child.pid!, 30_000);
  console.log(`Gantry idle with 50 instances: CPU ${idle.cpuPercent.toFixed(2)}% of one core, RSS ${idle.rssMiB.toFixed(0)} MiB`);
  await api.services.delete.mutate({ id: service.id });
  const containers = await benchContainers(gantry);
  if ("skipped" in containers) console.log(`containers: skipped, ${containers.skipped}`);
  console.log(`results: ${saveResults("engine", { rows, idleWith50: idle, containers })}`);
} finally {
  await gantry.stop();
}
