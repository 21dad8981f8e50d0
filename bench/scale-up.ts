// npm run bench:scale-up — services.scale +1 until the new instance answers a request through the
// service's listener, against its reference in the same run: the same program (the test fixture,
// a Node HTTP server) spawned directly, from spawn until it accepts TCP. Gantry's share is the
// difference (target: ≤ 50 ms).
//
// On a busy machine the program's own start varies by hundreds of ms from one spawn to the next,
// so the fixture also tells when its process began and when it listened (wall clock): each step
// splits into before its process began (API, database, reconcile, port, logs, fork and exec),
// the program's own start, and after it listened (readiness noticed, endpoint pushed to the data
// plane, the request through the listener), and Gantry's share is also given per step, without
// the program's own start (what the same spawn costs the reference is not counted).
//
// BENCH_DATABASE_URL=postgres://… runs Gantry on a fresh database of that server instead of PGlite.
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { saveResults, startHeadlessGantry, until } from "./gantry-process";

const fixture = path.resolve(import.meta.dirname, "../server/testing/fixtures/fixture-server.mjs");
const STEPS = Number(process.env.BENCH_STEPS ?? 7);
// Below Linux's ephemeral ports (32768–60999), which a client socket may take as its source port.
const ports = { gantry: 3975, direct: 19490, listeners: "19400-19449", instances: "19450-19489" };
const TARGET_MS = 50;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** Wall-clock ms to the µs, comparable with the fixture's. */
const now = () => performance.timeOrigin + performance.now();

/** Who answered a GET, and when its process began and listened (wall clock). */
type Answer = { instance: string; startedAt: number; listeningAt: number };

const get = (port: number) =>
  new Promise<Answer | undefined>((resolve) => {
    // A fresh connection each time, as a new client would.
    const request = http.get({ port, host: "127.0.0.1", path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 ? (JSON.parse(body) as Answer) : undefined));
    });
    request.on("error", () => resolve(undefined));
  });

/**
 * `count` clients asking one after the other until one is answered by an instance not in `known`:
 * round robin gives the new instance one of the next `count` requests once it is in rotation, so
 * the wait measures when it is reachable, not how many requests one client needs to come round to it.
 */
function firstAnswerFromNew(port: number, known: Set<string>, count: number): Promise<{ answer: Answer; at: number }> {
  return new Promise((resolve) => {
    let found = false;
    const client = async () => {
      while (!found) {
        const answer = await get(port);
        if (answer && !known.has(answer.instance) && !found) {
          found = true;
          resolve({ answer, at: now() });
        }
      }
    };
    for (let i = 0; i < count; i++) void client();
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" }, () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

/** The program alone: spawn → accepting TCP, tried every millisecond; and when its process began and listened. */
async function direct(): Promise<{ spawnedAt: number; acceptedAt: number; answer: Answer }> {
  const spawnedAt = now();
  // In a session of its own, as Gantry starts instances: with the kernel's autogroup scheduling a
  // session is a CPU group, and in the bench's (with Gantry's main process) it started 2–3× slower.
  const child = spawn(process.execPath, [fixture], { env: { ...process.env, PORT: String(ports.direct) }, stdio: "ignore", detached: true });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    while (!(await accepts(ports.direct))) {
      if (gone) throw new Error(`the fixture exited before accepting on port ${ports.direct} (taken by another process?)`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const acceptedAt = now();
    const answer = await get(ports.direct);
    if (!answer) throw new Error("the fixture accepted but did not answer");
    return { spawnedAt, acceptedAt, answer };
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
}

type Step = {
  /** The reference: spawn → accepting, of which spawn → its process began and began → listening. */
  direct: { acceptMs: number; toProcessMs: number; ownStartMs: number; noticedMs: number };
  /** Scale → first answer through the listener, split the same way. */
  gantry: { answerMs: number; toProcessMs: number; ownStartMs: number; afterListeningMs: number };
  /** Gantry's part of this step: its total less the program's own start, less what spawning costs the reference. */
  gantryShareMs: number;
};

/** A database of its own on BENCH_DATABASE_URL's server for this run, if set. */
async function postgresDatabase(serverUrl: string | undefined): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  if (!serverUrl) return undefined;
  const name = `bench_scale_up_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const database = await postgresDatabase(process.env.BENCH_DATABASE_URL);
const gantry = await startHeadlessGantry(ports.gantry, ports, database ? { DATABASE_URL: database.url } : {});
try {
  const { api } = gantry;
  const service = await api.services.create.mutate({ name: "scaled", replicas: 1, template: { command: process.execPath, args: [fixture] } });
  const listener = service.listenPort!;
  await until(async () => ((await api.services.endpoints.query({ id: service.id })).length === 1 ? true : undefined), 30_000);
  await direct(); // warm-up: the first spawn of node reads its files from disk

  const steps: Step[] = [];
  for (let step = 1; step <= STEPS; step++) {
    const alone = await direct();
    const known = new Set((await api.instances.list.query({ serviceId: service.id })).map((i) => i.id));
    const scaledAt = now();
    await api.services.scale.mutate({ id: service.id, replicas: known.size + 1 });
    const { answer, at: answeredAt } = await firstAnswerFromNew(listener, known, known.size + 1);
    const reference = {
      acceptMs: alone.acceptedAt - alone.spawnedAt,
      toProcessMs: alone.answer.startedAt - alone.spawnedAt,
      ownStartMs: alone.answer.listeningAt - alone.answer.startedAt,
      noticedMs: alone.acceptedAt - alone.answer.listeningAt,
    };
    const scaled = {
      answerMs: answeredAt - scaledAt,
      toProcessMs: answer.startedAt - scaledAt,
      ownStartMs: answer.listeningAt - answer.startedAt,
      afterListeningMs: answeredAt - answer.listeningAt,
    };
    const gantryShareMs = scaled.answerMs - scaled.ownStartMs - reference.toProcessMs - reference.noticedMs;
    steps.push({ direct: reference, gantry: scaled, gantryShareMs });
    console.log(
      `step ${step}: ${known.size} → ${known.size + 1}: first answer from the new instance after ${ms(scaled.answerMs)} = ${ms(scaled.toProcessMs)} until its process began ` +
        `+ ${ms(scaled.ownStartMs)} its own start + ${ms(scaled.afterListeningMs)} from listening to the answer; ` +
        `the program alone: ${ms(reference.acceptMs)} to accept (${ms(reference.toProcessMs)} + ${ms(reference.ownStartMs)} + ${ms(reference.noticedMs)}); Gantry's share ${ms(gantryShareMs)}`,
    );
  }
  const of = (pick: (s: Step) => number) => median(steps.map(pick));
  const result = {
    database: database ? "postgresql" : "pglite",
    steps: STEPS,
    spawnToAcceptMs: of((s) => s.direct.acceptMs),
    scaleToFirstAnswerMs: of((s) => s.gantry.answerMs),
    gantryAddsMs: of((s) => s.gantry.answerMs) - of((s) => s.direct.acceptMs),
    gantryShareMs: of((s) => s.gantryShareMs),
    breakdown: {
      untilProcessBeganMs: of((s) => s.gantry.toProcessMs),
      directUntilProcessBeganMs: of((s) => s.direct.toProcessMs),
      ownStartMs: of((s) => s.gantry.ownStartMs),
      directOwnStartMs: of((s) => s.direct.ownStartMs),
      listeningToAnswerMs: of((s) => s.gantry.afterListeningMs),
    },
    runs: steps,
  };
  const { breakdown: b } = result;
  console.log(`\n${result.database}, medians of ${STEPS}: the program alone accepts after ${ms(result.spawnToAcceptMs)}; scale +1 → first answer through the listener ${ms(result.scaleToFirstAnswerMs)}; Gantry adds ${ms(result.gantryAddsMs)} (target ≤ ${TARGET_MS})`);
  console.log(
    `  per step, without the program's own start: Gantry's share ${ms(result.gantryShareMs)} (target ≤ ${TARGET_MS}: ${result.gantryShareMs <= TARGET_MS ? "met" : "not met"}); ` +
      `until its process began ${ms(b.untilProcessBeganMs)} (spawning alone: ${ms(b.directUntilProcessBeganMs)}), its own start ${ms(b.ownStartMs)} (alone: ${ms(b.directOwnStartMs)}), from listening to the answer ${ms(b.listeningToAnswerMs)}`,
  );
  console.log(`results: ${saveResults("scale-up", result)}`);
} finally {
  await gantry.stop();
  await database?.drop();
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}
