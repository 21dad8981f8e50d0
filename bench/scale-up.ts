// npm run bench:scale-up — services.scale +1 until the new instance answers a request through the
// service's listener, against its reference in the same run: the same program (the test fixture,
// a Node HTTP server) spawned directly, from spawn until it accepts TCP. Gantry's share is the
// difference (target: ≤ 50 ms).
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { saveResults, startHeadlessGantry, until } from "./gantry-process";

const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const STEPS = Number(process.env.BENCH_STEPS ?? 7);
const ports = { gantry: 3975, direct: 39490, listeners: "39400-39449", instances: "39450-39489" };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Spawn → accepting TCP, tried every millisecond. */
async function spawnToAccept(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [fixture], { env: { ...process.env, PORT: String(ports.direct) }, stdio: "ignore" });
  try {
    for (;;) {
      const accepted = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ port: ports.direct, host: "127.0.0.1" }, () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      });
      if (accepted) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 1));
    }
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
  }
}

/** The instance that answered a GET through the listener (a fresh connection each time, as a new client would). */
const answeredBy = (port: number) =>
  new Promise<string | undefined>((resolve) => {
    const request = http.get({ port, host: "127.0.0.1", path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 ? (JSON.parse(body) as { instance: string }).instance : undefined));
    });
    request.on("error", () => resolve(undefined));
  });

const gantry = await startHeadlessGantry(ports.gantry, ports);
try {
  const { api } = gantry;
  const service = await api.services.create.mutate({ name: "scaled", replicas: 1, template: { command: process.execPath, args: [fixture] } });
  const listener = service.listenPort!;
  await until(async () => ((await api.services.endpoints.query({ id: service.id })).length === 1 ? true : undefined), 30_000);
  await spawnToAccept(); // warm-up: the first spawn of node reads its files from disk

  const direct: number[] = [];
  const gantryMs: number[] = [];
  for (let step = 1; step <= STEPS; step++) {
    direct.push(await spawnToAccept());
    const known = new Set((await api.instances.list.query({ serviceId: service.id })).map((i) => i.id));
    const started = performance.now();
    await api.services.scale.mutate({ id: service.id, replicas: known.size + 1 });
    // Round robin: a new instance is reached within (instances) requests of being in rotation.
    for (;;) {
      const instance = await answeredBy(listener);
      if (instance && !known.has(instance)) break;
    }
    gantryMs.push(performance.now() - started);
    console.log(`step ${step}: ${known.size} → ${known.size + 1}: first answer from the new instance after ${gantryMs.at(-1)!.toFixed(0)} ms; the program alone: ${direct.at(-1)!.toFixed(0)} ms to accept`);
  }
  const result = { steps: STEPS, spawnToAcceptMs: median(direct), scaleToFirstAnswerMs: median(gantryMs), gantryAddsMs: median(gantryMs) - median(direct), direct, gantry: gantryMs };
  console.log(`\nmedians of ${STEPS}: the program alone accepts after ${result.spawnToAcceptMs.toFixed(0)} ms; scale +1 → first answer through the listener ${result.scaleToFirstAnswerMs.toFixed(0)} ms; Gantry adds ${result.gantryAddsMs.toFixed(0)} ms (target ≤ 50)`);
  console.log(`results: ${saveResults("scale-up", result)}`);
} finally {
  await gantry.stop();
}
